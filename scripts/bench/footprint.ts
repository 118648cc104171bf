// Footprint of what ships, side by side with the npm-installed agent:
//   size        the single file vs the npm layout (node binary + dist/agent + production node_modules)
//   ready       spawn → grpc.health.v1 SERVING on the unix socket
//   idle RSS    issue #20's checkpoints (idle-memory.ts): VmRSS 5 s after ready, right after 20
//               HTTP probes + 20 gRPC reads, 5 s later; bounds npm ≤ 50 MB, single file ≤ 60 MB;
//               anchors: bare node and bare Node 24 (the single file's runtime) with the same flags
//   reset RSS   VmRSS right after a reset of 10 pods on a private containerd (the testbed)
//   ports       `kubesweep --json ports` end to end (client process → agent → JSON on stdout)
//               against `ss -ltnup`, with 2,000 listeners and 10,000 established sockets held
// Goals: start-to-ready ≤ 300 ms, ports within 2× of ss.
// Variants: npm = this node with AGENT_NODE_FLAGS on dist/ (as the npm layout's unit runs it);
// single file = dist/sea/kubesweep-linux-<arch> (npm run build:sea first), and the same file
// built without V8's code cache, to show what the cache buys.
// Build: npm run build:sea; run: node dist/scripts/bench/footprint.js [--starts 5] [--rounds 7]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { AGENT_NODE_FLAGS, SEA_EXEC_ARGV } from '../../agent/shared/node-flags';
import { cpuMsOf, freeTcpPort, healthCheck, loadAverage, statusKiB } from './probes';
import { against, bareRss, BOUND_NPM_MB, BOUND_SEA_MB, checkpoints, STACK_FLOOR, type Rss } from './idle-memory';
import { packageRoot } from '../../agent/shared/paths';
import { hostArch, nodeBinary } from '../build/node-runtime';
import { buildSea, shippedSeaOptions } from '../build/sea';
import { KUBESPRAY_NODE_PORTS } from '../../agent/daemon/ports/types';
import { testbedAgentArgs } from '../testbed/agent-args';
import { commands, runPod } from '../testbed/pods';
import { Testbed } from '../testbed/testbed';
import { startHelper } from './ports';

const GOAL_READY_MS = 300;
const GOAL_PORTS_X = 2;
const PODS = 10;
const NODE = 'bench-node';

interface Variant {
  name: string;
  agent: string[];
  client: string[];
  bytes: number;
  /** Issue #20's bound for this layout, MB. */
  bound: number;
  ready: number[];
  /** 5 s after ready; of it, anon is the process's own memory, the rest the executable's clean file pages. */
  idle: Rss[];
  /** Right after 20 HTTP probes and 20 gRPC reads, and 5 s later. */
  served: Rss[];
  settled: Rss[];
  resetRss: number[];
  /** RSS after the port reports of 12,000 sockets (the last start). */
  portsRss?: number;
  ports: number[];
  /** CPU (user + sys) of one `--json ports`: the client process plus what the agent spent on it. */
  portsCpu: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statusMiB = (pid: number, field: string): number => statusKiB(pid, field) / 1024;
const rssMiB = (pid: number): number => statusMiB(pid, 'VmRSS');

/** Bytes of the npm layout: the node binary, dist/agent and the production packages. */
function npmLayoutBytes(root: string): number {
  const du = (paths: string[]): number =>
    paths.length
      ? Number(
          spawnSync('du', ['-scb', ...paths], { encoding: 'utf8' })
            .stdout.trim()
            .split('\n')
            .pop()!
            .split('\t')[0],
        )
      : 0;
  const deps = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' })
    .stdout.split('\n')
    .filter((d) => d.startsWith(path.join(root, 'node_modules')));
  const tops = new Set(
    deps.map((d) => {
      const rel = path.relative(path.join(root, 'node_modules'), d).split(path.sep);
      return path.join(root, 'node_modules', ...(rel[0].startsWith('@') ? rel.slice(0, 2) : rel.slice(0, 1)));
    }),
  );
  return statSync(process.execPath).size + du([path.join(root, 'dist', 'agent'), path.join(root, 'proto'), ...tops]);
}

async function startAgent(
  v: Variant,
  tb: Testbed,
  dir: string,
): Promise<{ child: ChildProcess; sock: string; httpPort: number; readyMs: number }> {
  const sock = path.join(dir, 'run', 'agent.sock');
  const httpPort = await freeTcpPort();
  mkdirSync(path.join(dir, 'manifests'), { recursive: true });
  const [exe, ...lead] = v.agent;
  const args = [
    ...lead,
    // The testbed's pins (its CRI, containerd, netns, CNI and kubelet dirs; no link patterns): the
    // reset below must never reach the machine's own defaults.
    ...testbedAgentArgs(tb, {
      node: NODE,
      manifestsDir: path.join(dir, 'manifests'),
      stateDir: path.join(dir, 'state'),
      expectFreePorts: KUBESPRAY_NODE_PORTS,
    }),
    '--listen',
    `unix://${sock}`,
    '--http-listen',
    `127.0.0.1:${httpPort}`,
    '--log-level',
    'warn',
  ];
  const t0 = performance.now();
  const child = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${v.name}: agent exited: ${stderr}`);
    if (performance.now() - t0 > 30_000) throw new Error(`${v.name}: not ready in 30 s`);
    if (existsSync(sock) && (await healthCheck(sock)) === 'SERVING') return { child, sock, httpPort, readyMs: performance.now() - t0 };
    await sleep(2);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/**
 * Wall clock of one run and its CPU (user + sys, by /usr/bin/time): on a loaded machine the
 * wall clock mostly measures waiting for a core, the CPU time does not.
 */
function timed(cmd: string[], env?: NodeJS.ProcessEnv): { ms: number; cpuMs: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'KSCPU %U %S', ...cmd], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: env ?? process.env,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.slice(0, 500)}`);
  const m = /KSCPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { ms, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

async function main(): Promise<void> {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : def;
  };
  const starts = arg('starts', 5);
  const rounds = arg('rounds', 7);
  const root = packageRoot();
  const arch = hostArch() ?? 'x64';
  const sea = path.join(root, 'dist', 'sea', `kubesweep-linux-${arch}`);
  if (!existsSync(sea)) {
    console.log(`footprint bench skipped: ${path.relative(process.cwd(), sea)} is missing (npm run build:sea first)`);
    return;
  }
  const scratch = mkdtempSync('/tmp/ksfp-');
  const noCache = path.join(scratch, 'kubesweep-nocache');
  // The shipped build with only the code cache left out.
  await buildSea({ ...shippedSeaOptions(arch, path.join(root, 'dist', 'bundle', 'kubesweep.js'), noCache), useCodeCache: false });
  const v = (name: string, agent: string[], client: string[], bytes: number, bound: number): Variant => ({
    name,
    agent,
    client,
    bytes,
    bound,
    ready: [],
    idle: [],
    served: [],
    settled: [],
    resetRss: [],
    ports: [],
    portsCpu: [],
  });
  const variants = [
    v(
      `npm layout, node ${process.version} ${AGENT_NODE_FLAGS.join(' ')}`,
      [process.execPath, ...AGENT_NODE_FLAGS, path.join(root, 'dist/agent/daemon/main.js')],
      [process.execPath, path.join(root, 'dist/agent/client/cli.js')],
      npmLayoutBytes(root),
      BOUND_NPM_MB,
    ),
    v('single file (Node 24, code cache)', [sea, 'agent'], [sea], statSync(sea).size, BOUND_SEA_MB),
    v('single file, no code cache', [noCache, 'agent'], [noCache], statSync(noCache).size, BOUND_SEA_MB),
  ];
  // The anchors: each runtime alone, idling with the flags its layout runs with.
  const node24 = nodeBinary(arch).file;
  const stack = 'grpc-js, proto-loader, pino, a fastify app';
  const anchors: [string, number, Rss[], () => Promise<Rss>][] = [
    [`bare node ${process.version} ${AGENT_NODE_FLAGS.join(' ')}`, BOUND_NPM_MB, [], () => bareRss(process.execPath, AGENT_NODE_FLAGS)],
    [`  + ${stack}`, BOUND_NPM_MB, [], () => bareRss(process.execPath, AGENT_NODE_FLAGS, STACK_FLOOR)],
    [`bare Node 24 (the single file's runtime) ${SEA_EXEC_ARGV.join(' ')}`, BOUND_SEA_MB, [], () => bareRss(node24, SEA_EXEC_ARGV)],
    [`  + ${stack}`, BOUND_SEA_MB, [], () => bareRss(node24, SEA_EXEC_ARGV, STACK_FLOOR)],
  ];
  for (let i = 0; i < starts; i++) for (const a of anchors) a[2].push(await a[3]());
  console.log(`footprint bench: ${starts} starts per variant, ${rounds} port-report rounds; load average ${loadAverage()}`);
  const tb = await Testbed.start({});
  const ss: number[] = [];
  const ssCpu: number[] = [];
  try {
    const cri = tb.cri();
    for (const variant of variants) {
      for (let i = 0; i < starts; i++) {
        const dir = mkdtempSync('/tmp/ksfpa-');
        const a = await startAgent(variant, tb, dir);
        try {
          variant.ready.push(a.readyMs);
          const c = await checkpoints(a.child.pid!, a.sock, a.httpPort);
          variant.idle.push(c.idle);
          variant.served.push(c.served);
          variant.settled.push(c.settled);
          // After the last start's checkpoints (the earlier ones never see the helper's sockets):
          if (i === starts - 1) {
            // One reset per variant, of PODS pods (half host-network), through its own client.
            for (let p = 0; p < PODS; p++) {
              await runPod(cri, tb, {
                name: `bench-${p}`,
                kind: p % 2 ? 'daemonset' : 'static',
                hostNetwork: p % 2 === 0,
                containers: [{ name: 'c', command: commands.sleep() }],
              });
            }
            timed([...variant.client, '--agent', `unix://${a.sock}`, '--json', 'reset', '--confirm', NODE, '--grace', '0']);
            variant.resetRss.push(rssMiB(a.child.pid!));
            // The port report under load: the helper's 2,000 listeners and 10,000 sockets, and ss's.
            const helper = await startHelper();
            try {
              const env = { ...process.env, NO_COLOR: '1' };
              for (let r = 0; r < rounds; r++) {
                const agentCpu0 = cpuMsOf(a.child.pid!);
                const x = timed([...variant.client, '--agent', `unix://${a.sock}`, '--json', 'ports'], env);
                variant.ports.push(x.ms);
                variant.portsCpu.push(x.cpuMs + cpuMsOf(a.child.pid!) - agentCpu0);
                const y = timed(['ss', '-ltnup']);
                ss.push(y.ms);
                ssCpu.push(y.cpuMs);
              }
              variant.portsRss = rssMiB(a.child.pid!);
            } finally {
              await stop(helper);
            }
          }
        } finally {
          await stop(a.child);
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    const f = (x: number, d = 0) => x.toFixed(d);
    const ssMs = median(ss);
    console.log(
      `  ${'variant'.padEnd(40)} ${'size MiB'.padStart(9)} ${'ready ms'.padStart(9)} ${'RSS after reset MiB'.padStart(20)} ${'after ports'.padStart(12)} ${'--json ports ms'.padStart(16)} ${'vs ss'.padStart(6)} ${'cpu ms'.padStart(7)} ${'vs ss'.padStart(6)}`,
    );
    for (const x of variants) {
      console.log(
        `  ${x.name.padEnd(40)} ${f(x.bytes / 1048576, 1).padStart(9)} ${f(median(x.ready)).padStart(9)} ${f(median(x.resetRss), 1).padStart(20)} ${f(x.portsRss ?? NaN, 1).padStart(12)} ${f(median(x.ports)).padStart(16)} ${(median(x.ports) / ssMs).toFixed(2).padStart(5)}x ${f(median(x.portsCpu)).padStart(7)} ${(median(x.portsCpu) / median(ssCpu)).toFixed(2).padStart(5)}x`,
      );
    }
    const mb = (xs: Rss[]) => xs.map((r) => r.mb);
    const anon = (xs: Rss[]) => f(median(xs.map((r) => r.anonMb)), 1);
    console.log(`  idle memory (issue #20; MB = 10^6 bytes; median (min–max) of ${starts} starts):`);
    for (const [name, bound, xs] of anchors) console.log(`    anchor ${name}, 5 s: ${against(mb(xs), bound)}, anon ${anon(xs)}`);
    for (const x of variants) {
      console.log(`    ${x.name}:`);
      console.log(`      5 s after ready:                       ${against(mb(x.idle), x.bound)}, anon ${anon(x.idle)}`);
      console.log(`      right after 20 HTTP probes + 20 reads: ${against(mb(x.served), x.bound)}, anon ${anon(x.served)}`);
      console.log(`      5 s later:                             ${against(mb(x.settled), x.bound)}, anon ${anon(x.settled)}`);
    }
    console.log(
      `  ss -ltnup: ${f(ssMs)} ms wall, ${f(median(ssCpu))} ms cpu (median of ${rounds}; cpu of ports = client + the agent's share); goals: ready ≤ ${GOAL_READY_MS} ms, ports ≤ ${GOAL_PORTS_X}x ss; load average now ${loadAverage()}`,
    );
  } finally {
    await tb.teardown();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
