// Reset benchmark on the private containerd testbed: N mixed pods (half host-network, half
// with their own netns) torn down by
//   1. a sequential baseline: stop + remove one sandbox at a time (what kubeadm reset does),
//   2. an unbounded parallel baseline: every sandbox at once (what `crictl rmp -af` does), and
//      the same with each of the engine's two cuts alone, to show what each buys in containerd's
//      own work: `remove-only` (RemovePodSandbox without StopPodSandbox before it: the network's
//      DEL once, not twice) and `kill-remove` (the pods' processes SIGKILLed first, then
//      RemovePodSandbox: no `runc kill` process per container),
//   3. the anchor: real `crictl rmp -af`, v1.36.0 (what Kubespray ships) and v1.26.1, built from
//      their tags by crictl.sh (skipped, and said so, when it cannot build them),
//   4. the real agent (started as its bin's shebang starts it) through its gRPC API: a reset with
//      --grace 0, and one with the agent's default grace (the pods exit on SIGTERM); and the agent
//      as its unit runs it (--lite-mode) with --grace 0,
//   5. the engine in this process with --grace 0, its CRI calls counted per pod,
//   6. the engine with 6 pods ignoring SIGTERM under a 5 s grace (spread over both groups, and
//      all in pods with their own netns),
// all in the same run, printed as ratios next to their anchor with the machine's load, and the
// CPU of what is measured (the agent process; crictl; this process for the in-process engine)
// against the CPU the whole machine spent during the run (/proc/stat) and containerd's own.
//
// Build: npx tsc -p . ; run: node dist/scripts/bench/reset.js [--pods 60] [--stubborn 6] [--grace 5]
//   [--parallelism 16] [--repeat 2] [--reverse] [--only sequential,unbounded,remove-only,kill-remove,crictl-1.36,crictl-1.26,agent,agent-unit,agent-grace,engine,engine-grace,engine-grace1]
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AgentClient } from '../../agent/client/agent-client';
import { CriClient } from '../../agent/daemon/cri/client';
import { isAlive, listProcesses } from '../../agent/daemon/host/proc';
import { checkPorts } from '../../agent/daemon/ports';
import { findShims } from '../../agent/daemon/sweep/discover';
import { Sweeper } from '../../agent/daemon/sweep';
import { DEFAULT_PARALLELISM } from '../../agent/daemon/options';
import { AGENT_NODE_FLAGS, YOUNG_GENERATION_FLAGS } from '../../agent/shared/node-flags';
import { mapLimit } from '../../agent/shared/pool';
import { commands, runPod } from '../testbed/pods';
import { testbedSweepConfig } from '../testbed/sweep-config';
import { Testbed } from '../testbed/testbed';
import { countingCri, formatTally } from './cri-counter';
import { crictlRemoveAll, findCrictl, type Crictl } from './crictl-anchor';
import { loadAverage } from './probes';
import { startAgent } from './soak';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const PODS = arg('pods', 60);
const STUBBORN = arg('stubborn', 6);
const GRACE = arg('grace', 5);
const PARALLELISM = arg('parallelism', DEFAULT_PARALLELISM);
// Two by default: one round each is at the mercy of the order (the round after another reset ran
// up to 10 % slower; a run's later rounds meet a higher load), the ABBA pair is not.
const REPEAT = arg('repeat', 2);
const CRICTL_TAGS = ['v1.36.0', 'v1.26.1'] as const;
const BENCH_NODE = 'bench';

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
    ownCpuMs: med(ms.map((m) => m.ownCpuMs)),
    ownLabel: ms[0]?.ownLabel ?? '',
    load: ms.map((m) => m.load).join(' | '),
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

/** utime + stime (+ cutime + cstime of waited-for children) of a process, in ticks. */
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
  /** CPU of what the round measures: the agent process, crictl, or this process (in-process engine). */
  ownCpuMs: number;
  ownLabel: string;
  /** /proc/loadavg's 1-minute figure before → after the round. */
  load: string;
}

/** Whose CPU a round counts: a process (the agent) or this process with its waited-for children. */
type CpuOf = { pid: number; label: string } | 'self';

async function measure(tb: Testbed, cpuOf: CpuOf, fn: () => Promise<void>): Promise<Measure> {
  const pid = cpuOf === 'self' ? process.pid : cpuOf.pid;
  const l0 = loadAverage().split(' ')[0];
  const m0 = machineCpuTicks();
  const c0 = procCpuTicks(tb.containerdPid);
  const o0 = procCpuTicks(pid);
  const t0 = process.hrtime.bigint();
  await fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    wallMs,
    machineCpuMs: (machineCpuTicks() - m0) * TICK_MS,
    containerdCpuMs: (procCpuTicks(tb.containerdPid) - c0) * TICK_MS,
    ownCpuMs: (procCpuTicks(pid) - o0) * TICK_MS,
    ownLabel: cpuOf === 'self' ? 'this process' : cpuOf.label,
    load: `${l0}→${loadAverage().split(' ')[0]}`,
  };
}

async function sequential(cri: CriClient): Promise<void> {
  for (const s of await cri.listPodSandbox()) {
    await cri.stopPodSandbox(s.id);
    await cri.removePodSandbox(s.id);
  }
}

async function unbounded(cri: CriClient, how: 'stop-remove' | 'remove' | 'kill-remove' = 'stop-remove', tb?: Testbed): Promise<void> {
  const sandboxes = await cri.listPodSandbox();
  if (how === 'kill-remove') {
    // What the engine does first: SIGKILL what runs under each pod's shim (this testbed's shims only).
    const shims = findShims(listProcesses(), { address: tb!.socket, namespace: 'k8s.io' });
    for (const sh of shims) for (const p of sh.tree) if (isAlive(p.pid, p.startTime)) process.kill(p.pid, 'SIGKILL');
  }
  await Promise.all(
    sandboxes.map(async (s) => {
      if (how === 'stop-remove') await cri.stopPodSandbox(s.id);
      await cri.removePodSandbox(s.id);
    }),
  );
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;

function fmt(m: Measure): string {
  return `wall ${sec(m.wallMs)}, machine CPU ${sec(m.machineCpuMs)}, containerd CPU ${sec(m.containerdCpuMs)}, ${m.ownLabel} ${sec(m.ownCpuMs)} (${pct(m.ownCpuMs, m.machineCpuMs)}), load ${m.load}`;
}

type Report = Awaited<ReturnType<Sweeper['reset']>>;
const self = (): CpuOf => 'self';
type Round = { name: string; stubborn: number; layout?: 'mixed' | 'netns'; cpu: () => CpuOf; run: () => Promise<void> };

async function main(): Promise<void> {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : undefined;
  const wants = (name: string) => !only || only.includes(name);
  const crictl = CRICTL_TAGS.some((t) => wants(`crictl-${t.slice(1, 5)}`)) ? findCrictl(CRICTL_TAGS) : { found: [], missing: '' };
  if (crictl.missing) console.log(`crictl anchor: ${crictl.missing}; its rounds and ratios are skipped`);
  const tb = await Testbed.start({ log: (m) => console.error(m) });
  const agents: Record<string, { proc: ChildProcess; client: AgentClient }> = {};
  try {
    const cri = tb.cri();
    const counted = countingCri(cri);
    const sweeper = (grace: number, c: CriClient = cri) =>
      new Sweeper(testbedSweepConfig(tb, { nodeName: BENCH_NODE, graceSeconds: grace, parallelism: PARALLELISM }), {
        cri: c,
        log: pino({ level: 'warn' }),
        checkPorts: (ports) => checkPorts(ports, { cri: c, containerdAddress: tb.socket, netnsDirs: [tb.netnsDir] }),
      });
    const reports: Record<string, Report | undefined> = {};
    const engineReset = (name: string, grace: number, c?: CriClient) => async () => {
      reports[name] = await sweeper(grace, c).reset({ dryRun: false, scope: 'all', requestedBy: 'bench' });
    };
    // The agent as its bin's shebang starts it (node + the young-generation bound) and as its unit
    // runs it (+ --lite-mode), each with its own socket and state dir, on the testbed.
    const agentPid = (which: string) => (): CpuOf => ({ pid: agents[which]?.proc.pid ?? 0, label: 'agent process' });
    const agentReset = (which: string, graceSeconds?: number) => async () => {
      const r = await agents[which].client.reset({ confirmNode: BENCH_NODE, ...(graceSeconds !== undefined ? { graceSeconds } : {}) });
      if (r.verification?.verdict !== 'clean')
        throw new Error(`${which}: verdict ${r.verification?.verdict}: ${JSON.stringify(r.verification?.residue)}`);
    };
    for (const [which, nodeFlags, rounds] of [
      ['shebang', YOUNG_GENERATION_FLAGS, ['agent', 'agent-grace']],
      ['unit', AGENT_NODE_FLAGS, ['agent-unit']],
    ] as const) {
      if (!rounds.some(wants)) continue;
      const dir = path.join(tb.scratch, `bench-agent-${which}`);
      mkdirSync(path.join(dir, 'manifests'), { recursive: true });
      const sock = path.join(tb.dir, `agent-${which}.sock`);
      const proc = await startAgent(tb, sock, path.join(dir, 'manifests'), path.join(dir, 'state'), { nodeFlags, node: BENCH_NODE });
      agents[which] = { proc, client: new AgentClient({ endpoint: `unix://${sock}`, actionTimeoutMs: 600_000 }) };
    }
    const all0: Round[] = [
      { name: 'sequential', stubborn: 0, cpu: self, run: () => sequential(cri) },
      { name: 'unbounded', stubborn: 0, cpu: self, run: () => unbounded(cri) },
      { name: 'remove-only', stubborn: 0, cpu: self, run: () => unbounded(cri, 'remove') },
      { name: 'kill-remove', stubborn: 0, cpu: self, run: () => unbounded(cri, 'kill-remove', tb) },
      ...crictl.found.map((c: Crictl): Round => ({
        name: `crictl-${c.tag.slice(1, 5)}`,
        stubborn: 0,
        cpu: self,
        run: () => crictlRemoveAll(c, tb.socket, tb.scratch),
      })),
      { name: 'agent', stubborn: 0, cpu: agentPid('shebang'), run: agentReset('shebang', 0) },
      { name: 'agent-unit', stubborn: 0, cpu: agentPid('unit'), run: agentReset('unit', 0) },
      { name: 'agent-grace', stubborn: 0, cpu: agentPid('shebang'), run: agentReset('shebang') },
      {
        name: 'engine',
        stubborn: 0,
        cpu: self,
        run: async () => {
          counted.reset();
          await engineReset('engine', 0, counted.cri)();
        },
      },
      { name: 'engine-grace', stubborn: STUBBORN, cpu: self, run: engineReset('engine-grace', GRACE) },
      { name: 'engine-grace1', stubborn: STUBBORN, layout: 'netns', cpu: self, run: engineReset('engine-grace1', GRACE) },
    ];
    const rounds = all0.filter((r) => wants(r.name));
    // --reverse runs the rounds in the opposite order, to expose order effects (containerd
    // still cleaning up after the previous round).
    if (process.argv.includes('--reverse')) rounds.reverse();
    console.log(`reset bench: ${PODS} pods, ${cpus().length} CPUs, node ${process.version}, load average ${loadAverage()}`);
    const all: Record<string, Measure[]> = {};
    for (let rep = 0; rep < REPEAT; rep++) {
      // ABBA: every other repetition runs the rounds in reverse, so no round always follows the
      // same neighbour (measured: the round after another reset ran up to ~10% slower).
      const order = rep % 2 === 0 ? rounds : [...rounds].reverse();
      for (const r of order) {
        await createPods(tb, cri, `${r.name.slice(0, 3)}${rep}`, r.stubborn, r.layout);
        await new Promise((res) => setTimeout(res, 1000)); // let pod start-up work settle
        let failure: string | undefined;
        const m = await measure(tb, r.cpu(), () => r.run().catch((err: Error) => void (failure = err.message)));
        const left = (await cri.listPodSandbox()).length;
        // A failed round is said and left out of the figures, never counted as a fast one.
        if (!failure && !left) (all[r.name] ??= []).push(m);
        console.log(`${r.name.padEnd(13)} ${fmt(m)}${left ? ` (${left} sandboxes left!)` : ''}${failure ? ` FAILED: ${failure}` : ''}`);
        if (left) await unbounded(cri);
      }
    }
    const results: Record<string, Measure> = {};
    for (const [name, ms] of Object.entries(all)) results[name] = median(ms);
    if (REPEAT > 1) {
      console.log(`\nmedians of ${REPEAT} runs (rounds interleaved, order reversed every other run):`);
      for (const [name, m] of Object.entries(results)) console.log(`${name.padEnd(13)} ${fmt(m)}`);
    }
    summary(results, reports, counted.tally.size ? formatTally(counted.tally, PODS) : undefined, crictl.missing);
  } finally {
    for (const { proc, client } of Object.values(agents)) {
      client.close();
      if (proc.exitCode !== null) continue;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      await exited;
    }
    const rep = await tb.teardown();
    if (rep.problems.length) console.error(`teardown problems: ${rep.problems.join('; ')}`);
  }
}

/** Every figure next to its anchor, measured in this run. */
function summary(
  r: Record<string, Measure>,
  reports: Record<string, Report | undefined>,
  tally: string | undefined,
  crictlMissing: string,
): void {
  const ratio = (a: Measure | undefined, b: Measure | undefined, target?: string) =>
    a && b
      ? `${(a.wallMs / b.wallMs).toFixed(2)}x (${sec(a.wallMs)} / ${sec(b.wallMs)})${target ? ` [target ${target}]` : ''}`
      : 'not measured';
  const c136 = r['crictl-1.36'];
  const c126 = r['crictl-1.26'];
  console.log('');
  console.log(
    `pods: ${PODS} (half host-network, half own netns), parallelism ${PARALLELISM}, ${cpus().length} CPUs, load average now ${loadAverage()}`,
  );
  if (crictlMissing) console.log(`crictl anchor: ${crictlMissing}`);
  console.log(`agent (--grace 0) / crictl 1.36 rmp -af: ${ratio(r.agent, c136, '<= 0.90x')}`);
  console.log(`agent (--grace 0) / crictl 1.26 rmp -af: ${ratio(r.agent, c126)}`);
  console.log(`agent (default grace, pods exit on SIGTERM) / crictl 1.36: ${ratio(r['agent-grace'], c136, '<= 1.00x')}`);
  if (r.agent)
    console.log(
      `agent's own CPU during its --grace 0 reset: ${pct(r.agent.ownCpuMs, r.agent.machineCpuMs)} of the machine's busy CPU [target <= 3%]`,
    );
  if (r['agent-grace'])
    console.log(`agent's own CPU with the default grace: ${pct(r['agent-grace'].ownCpuMs, r['agent-grace'].machineCpuMs)}`);
  if (c136) console.log(`crictl 1.36's own CPU: ${pct(c136.ownCpuMs, c136.machineCpuMs)} of the machine's busy CPU`);
  console.log(`engine in-process (--grace 0) / crictl 1.36: ${ratio(r.engine, c136)}; / unbounded: ${ratio(r.engine, r.unbounded)}`);
  if (r.engine) console.log(`engine in-process own CPU: ${pct(r.engine.ownCpuMs, r.engine.machineCpuMs)}`);
  if (tally) console.log(`engine (--grace 0) CRI calls: ${tally}`);
  console.log(`unbounded / crictl 1.36: ${ratio(r.unbounded, c136)}; sequential / crictl 1.36: ${ratio(r.sequential, c136)}`);
  const cd = (m: Measure | undefined) =>
    m ? `containerd CPU ${sec(m.containerdCpuMs)}, machine CPU ${sec(m.machineCpuMs)}` : 'not measured';
  console.log(
    `what each cut buys (unbounded, no agent): Stop+Remove ${cd(r.unbounded)}; Remove only ${cd(r['remove-only'])} (${ratio(r['remove-only'], r.unbounded)}); SIGKILL first + Remove ${cd(r['kill-remove'])} (${ratio(r['kill-remove'], r.unbounded)})`,
  );
  const base = r.engine ?? r.agent;
  for (const [name, what, budgetGraces] of [
    ['engine-grace1', `${STUBBORN} own-netns pods ignoring SIGTERM`, 1],
    ['engine-grace', `${STUBBORN} pods ignoring SIGTERM split over both groups (one grace period per group, by design)`, 2],
  ] as const) {
    const g = r[name];
    if (!g || !base) continue;
    const budget = budgetGraces * GRACE + (1.2 * base.wallMs) / 1000;
    console.log(
      `engine with ${what}, grace ${GRACE} s: wall ${sec(g.wallMs)}; budget ${budgetGraces} x ${GRACE} s + 1.2 x ${sec(base.wallMs)} = ${budget.toFixed(2)} s (${g.wallMs / 1000 <= budget ? 'met' : 'NOT met'}); one-at-a-time graceful stops would pay ${STUBBORN * GRACE} s`,
    );
  }
  for (const [n, rep] of Object.entries(reports)) {
    if (!rep) continue;
    console.log(
      `${n} verdict: ${rep.verification?.verdict}; steps: ${rep.steps.map((s) => `${s.name} ${s.status} ${sec(s.durationMs)}`).join(', ')}`,
    );
    if (rep.verification?.verdict !== 'clean') console.log(JSON.stringify(rep.verification?.residue));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
