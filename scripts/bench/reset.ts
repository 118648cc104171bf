// Reset benchmark on the private containerd testbed: N mixed pods (half host-network, half
// with their own netns) torn down by
//   1. a sequential baseline: stop + remove one sandbox at a time (what kubeadm reset does),
//   2. an unbounded parallel baseline: every sandbox at once (what `crictl rmp -af` does),
//   3. the engine's full reset with --grace 0,
//   4. the engine's full reset with 6 pods ignoring SIGTERM under a 5 s grace,
// all in the same run, printed as ratios, with the engine's own CPU time against the CPU the
// whole machine spent during the run (/proc/stat) and containerd's own share.
//
// Build: npx tsc -p . ; run: node dist/scripts/bench/reset.js [--pods 60] [--stubborn 6] [--grace 5]
//   [--parallelism 16] [--repeat 1] [--reverse] [--only sequential,unbounded,engine,engine-grace,engine-grace1]
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import pino from 'pino';
import { CriClient } from '../../agent/daemon/cri/client';
import { checkPorts } from '../../agent/daemon/ports';
import { Sweeper } from '../../agent/daemon/sweep';
import { DEFAULT_PARALLELISM } from '../../agent/daemon/options';
import { mapLimit } from '../../agent/shared/pool';
import { commands, runPod } from '../testbed/pods';
import { testbedSweepConfig } from '../testbed/sweep-config';
import { Testbed } from '../testbed/testbed';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const PODS = arg('pods', 60);
const STUBBORN = arg('stubborn', 6);
const GRACE = arg('grace', 5);
const PARALLELISM = arg('parallelism', DEFAULT_PARALLELISM);
const REPEAT = arg('repeat', 1);

const POD_KINDS = ['daemonset', 'static', 'pod'] as const;

/** Per-field median (wall, CPU) over repeated runs. */
function median(ms: Measure[]): Measure {
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    wallMs: med(ms.map((m) => m.wallMs)),
    machineCpuMs: med(ms.map((m) => m.machineCpuMs)),
    containerdCpuMs: med(ms.map((m) => m.containerdCpuMs)),
    selfCpuMs: med(ms.map((m) => m.selfCpuMs)),
  };
}

/** Ends on SIGTERM at once (a shell that traps TERM and exits), unlike a bare PID-1 sleep. */
const politeSleep = ['/bin/sh', '-c', 'trap "exit 0" TERM; /bin/busybox sleep 2147483 & wait'];

/**
 * Pods that ignore SIGTERM, evenly spread. 'mixed': alternating host-network (even index) and
 * own-netns (odd index) pods; 'netns': all in pods with their own netns.
 */
export function stubbornIndexes(pods: number, stubborn: number, layout: 'mixed' | 'netns'): Set<number> {
  const out = new Set<number>();
  const step = Math.floor(pods / Math.max(1, stubborn));
  for (let k = 0; k < stubborn; k++) {
    const base = k * step;
    out.add(Math.min(pods - 1, layout === 'netns' ? base + ((base + 1) % 2) : base + (k % 2)));
  }
  return out;
}

async function createPods(tb: Testbed, cri: CriClient, tag: string, stubborn: number, layout: 'mixed' | 'netns' = 'mixed'): Promise<void> {
  const slow = stubbornIndexes(PODS, stubborn, layout);
  const specs = Array.from({ length: PODS }, (_, i) => ({
    name: `${tag}-${i}`,
    kind: POD_KINDS[i % 3],
    hostNetwork: i % 2 === 0,
    // Spread the stubborn pods over both groups (host-network and own netns).
    containers: [{ name: 'main', command: slow.has(i) ? commands.ignoreTerm() : politeSleep }],
  }));
  await mapLimit(specs, 4, (s) => runPod(cri, tb, s));
  const n = (await cri.listPodSandbox()).length;
  if (n !== PODS) throw new Error(`expected ${PODS} sandboxes, found ${n}`);
}

function machineCpuTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
  return line[0] + line[1] + line[2] + line[5] + line[6] + (line[7] ?? 0);
}

function procCpuTicks(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
  } catch {
    return 0;
  }
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

interface Measure {
  wallMs: number;
  machineCpuMs: number;
  containerdCpuMs: number;
  selfCpuMs: number;
}

async function measure(tb: Testbed, fn: () => Promise<void>): Promise<Measure> {
  const m0 = machineCpuTicks();
  const c0 = procCpuTicks(tb.containerdPid);
  const s0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const s = process.cpuUsage(s0);
  return {
    wallMs,
    machineCpuMs: (machineCpuTicks() - m0) * TICK_MS,
    containerdCpuMs: (procCpuTicks(tb.containerdPid) - c0) * TICK_MS,
    selfCpuMs: (s.user + s.system) / 1000,
  };
}

async function sequential(cri: CriClient): Promise<void> {
  for (const s of await cri.listPodSandbox()) {
    await cri.stopPodSandbox(s.id);
    await cri.removePodSandbox(s.id);
  }
}

async function unbounded(cri: CriClient): Promise<void> {
  await Promise.all(
    (await cri.listPodSandbox()).map(async (s) => {
      await cri.stopPodSandbox(s.id);
      await cri.removePodSandbox(s.id);
    }),
  );
}

function fmt(m: Measure): string {
  return `wall ${(m.wallMs / 1000).toFixed(2)} s, machine CPU ${(m.machineCpuMs / 1000).toFixed(2)} s, containerd CPU ${(m.containerdCpuMs / 1000).toFixed(2)} s, this process ${(m.selfCpuMs / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  const tb = await Testbed.start({ log: (m) => console.error(m) });
  try {
    const cri = tb.cri();
    const sweeper = (grace: number) =>
      new Sweeper(testbedSweepConfig(tb, { nodeName: 'bench', graceSeconds: grace, parallelism: PARALLELISM }), {
        cri,
        log: pino({ level: 'warn' }),
        checkPorts: (ports) => checkPorts(ports, { cri, containerdAddress: tb.socket, netnsDirs: [tb.netnsDir] }),
      });
    const results: Record<string, Measure> = {};
    let engineReport: Awaited<ReturnType<Sweeper['reset']>> | undefined;
    let graceReport: Awaited<ReturnType<Sweeper['reset']>> | undefined;
    let graceOneGroupReport: Awaited<ReturnType<Sweeper['reset']>> | undefined;
    const rounds: [string, number, (grace: number) => Promise<void>, ('mixed' | 'netns')?][] = [
      ['sequential', 0, () => sequential(cri)],
      ['unbounded', 0, () => unbounded(cri)],
      [
        'engine',
        0,
        async () => {
          engineReport = await sweeper(0).reset({ dryRun: false, scope: 'all', requestedBy: 'bench' });
        },
      ],
      [
        'engine-grace',
        STUBBORN,
        async () => {
          graceReport = await sweeper(GRACE).reset({ dryRun: false, scope: 'all', requestedBy: 'bench' });
        },
      ],
      [
        'engine-grace1',
        STUBBORN,
        async () => {
          graceOneGroupReport = await sweeper(GRACE).reset({ dryRun: false, scope: 'all', requestedBy: 'bench' });
        },
        'netns',
      ],
    ];
    const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : undefined;
    // --reverse runs the rounds in the opposite order, to expose order effects (containerd
    // still cleaning up after the previous round).
    if (process.argv.includes('--reverse')) rounds.reverse();
    const all: Record<string, Measure[]> = {};
    for (let rep = 0; rep < REPEAT; rep++) {
      // ABBA: every other repetition runs the rounds in reverse, so no round always follows the
      // same neighbour (measured: the round after another reset ran up to ~10% slower).
      const order = rep % 2 === 0 ? rounds : [...rounds].reverse();
      for (const [name, stubborn, fn, layout] of order) {
        if (only && !only.includes(name)) continue;
        await createPods(tb, cri, `${name.slice(0, 3)}${rep}`, stubborn, layout);
        await new Promise((r) => setTimeout(r, 1000)); // let pod start-up work settle
        const m = await measure(tb, () => fn(GRACE));
        (all[name] ??= []).push(m);
        const left = (await cri.listPodSandbox()).length;
        console.log(`${name.padEnd(13)} ${fmt(m)}${left ? ` (${left} sandboxes left!)` : ''}`);
      }
    }
    for (const [name, ms] of Object.entries(all)) results[name] = median(ms);
    if (REPEAT > 1) {
      console.log(`\nmedians of ${REPEAT} runs (rounds interleaved, order reversed every other run):`);
      for (const [name, m] of Object.entries(results)) console.log(`${name.padEnd(13)} ${fmt(m)}`);
    }
    if (only) return;
    const seq = results.sequential;
    const unb = results.unbounded;
    const eng = results.engine;
    const gr = results['engine-grace'];
    console.log('');
    console.log(`pods: ${PODS} (half host-network, half own netns), parallelism ${PARALLELISM}, ${cpus().length} CPUs`);
    console.log(`unbounded vs sequential: ${(seq.wallMs / unb.wallMs).toFixed(2)}x faster`);
    console.log(`engine (--grace 0) wall / unbounded wall: ${(eng.wallMs / unb.wallMs).toFixed(2)}x (target <= 1.00x)`);
    console.log(`engine (--grace 0) wall / sequential wall: ${(eng.wallMs / seq.wallMs).toFixed(2)}x`);
    console.log(`engine own CPU / machine CPU during its run: ${((100 * eng.selfCpuMs) / eng.machineCpuMs).toFixed(1)}% (target <= 5%)`);
    const g1 = results['engine-grace1'];
    const budget = GRACE + (1.2 * eng.wallMs) / 1000;
    console.log(
      `engine with ${STUBBORN} own-netns pods ignoring SIGTERM, grace ${GRACE} s: wall ${(g1.wallMs / 1000).toFixed(2)} s; budget ${GRACE} s + 1.2 x ${(eng.wallMs / 1000).toFixed(2)} s = ${budget.toFixed(2)} s (${g1.wallMs / 1000 <= budget ? 'met' : 'NOT met'})`,
    );
    console.log(
      `engine with ${STUBBORN} pods ignoring SIGTERM split over both groups (${Math.ceil(STUBBORN / 2)} host-network, ${Math.floor(STUBBORN / 2)} own netns), grace ${GRACE} s: wall ${(gr.wallMs / 1000).toFixed(2)} s; budget ${GRACE} s + 1.2 x ${(eng.wallMs / 1000).toFixed(2)} s = ${(GRACE + (1.2 * eng.wallMs) / 1000).toFixed(2)} s (${gr.wallMs / 1000 <= budget ? 'met' : 'NOT met'}; host-network pods wait for the own-netns group, so this layout pays one grace period per group: budget for that ${(2 * GRACE + (1.2 * eng.wallMs) / 1000).toFixed(2)} s); one-at-a-time graceful stops would pay ${STUBBORN} x ${GRACE} s = ${STUBBORN * GRACE} s of grace`,
    );
    console.log(`engine with grace: own CPU ${((100 * gr.selfCpuMs) / gr.machineCpuMs).toFixed(1)}% of machine CPU`);
    for (const [n, r] of [
      ['engine', engineReport],
      ['engine-grace', graceReport],
      ['engine-grace1', graceOneGroupReport],
    ] as const) {
      if (!r) continue;
      console.log(
        `${n} verdict: ${r.verification?.verdict}; steps: ${r.steps.map((s) => `${s.name} ${s.status} ${(s.durationMs / 1000).toFixed(2)} s`).join(', ')}`,
      );
      if (r.verification?.verdict !== 'clean') console.log(JSON.stringify(r.verification?.residue));
    }
  } finally {
    const rep = await tb.teardown();
    if (rep.problems.length) console.error(`teardown problems: ${rep.problems.join('; ')}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
