// Agent benchmark: start-to-ready time (spawn → grpc.health.v1 answers SERVING on the unix
// socket) and idle RSS (VmRSS from /proc/PID/status a few seconds after ready), median of
// several starts, for the agent as the systemd unit runs it and with plain `node`.
// Targets: idle RSS ≤ 60 MB, start-to-ready ≤ 500 ms.
//
// Build: npx tsc -p . ; run: node dist/scripts/bench/agent.js [--starts 7] [--idle-seconds 3]
// (also called by `npm run bench` through scripts/bench/index.ts when that exists).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AGENT_NODE_FLAGS } from '../../agent/shared/node-flags';
import { cpuMsOf, freeTcpPort, healthCheck, loadAverage, statusKiB } from './probes';
import { packageRoot } from '../../agent/shared/paths';

export interface AgentBenchOptions {
  starts?: number;
  /** RSS is read this long after ready, and again once V8's memory reducer has run (≥ 12 s). */
  idleSeconds?: number;
  log?: (line: string) => void;
}

export interface AgentBenchVariant {
  name: string;
  nodeFlags: string[];
  readyMs: number[];
  /** CPU the agent process used from exec to ready (user + system): what the wall clock would be on an idle core. */
  cpuMs: number[];
  rssMiB: number[];
  /** RSS at steady idle: 12 s after ready, after V8's memory reducer shrank the heap. */
  steadyRssMiB: number[];
  /** RSS right after serving a first /metrics scrape and /ports (the lazily loaded parts are in). */
  servedRssMiB: number[];
}

export interface AgentBenchResult {
  variants: AgentBenchVariant[];
}

const TARGET_RSS_MB = 60;
const TARGET_READY_MS = 500;
const STEADY_SECONDS = 12;

async function oneStart(
  nodeFlags: string[],
  idleSeconds: number,
): Promise<{ readyMs: number; cpuMs: number; rssMiB: number; steadyRssMiB: number; servedRssMiB: number }> {
  const dir = mkdtempSync('/tmp/ksb-');
  const sock = path.join(dir, 'run', 'agent.sock');
  const httpPort = await freeTcpPort();
  const args = [
    ...nodeFlags,
    path.join(packageRoot(), 'dist', 'agent', 'daemon', 'main.js'),
    '--node-name',
    'bench-node',
    '--listen',
    `unix://${sock}`,
    '--http-listen',
    `127.0.0.1:${httpPort}`,
    '--state-dir',
    path.join(dir, 'state'),
    '--manifests-dir',
    path.join(dir, 'manifests'),
    '--netns-dir',
    path.join(dir, 'netns'),
    '--cri-endpoint',
    `unix://${path.join(dir, 'containerd.sock')}`,
    '--kubelet-unit',
    '',
    '--log-level',
    'warn',
  ];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    let readyMs = NaN;
    let cpuMs = NaN;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`agent exited early: ${stderr}`);
      if (performance.now() - t0 > 20_000) throw new Error('agent not ready within 20 s');
      if (existsSync(sock) && (await healthCheck(sock)) === 'SERVING') {
        readyMs = performance.now() - t0;
        cpuMs = cpuMsOf(child.pid!);
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const rssMiB = statusKiB(child.pid!, 'VmRSS') / 1024;
    await new Promise((r) => setTimeout(r, Math.max(0, STEADY_SECONDS - idleSeconds) * 1000));
    const steadyRssMiB = statusKiB(child.pid!, 'VmRSS') / 1024;
    for (const p of ['/metrics', '/ports', '/readyz']) await (await fetch(`http://127.0.0.1:${httpPort}${p}`)).text();
    return { readyMs, cpuMs, rssMiB, steadyRssMiB, servedRssMiB: statusKiB(child.pid!, 'VmRSS') / 1024 };
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function benchAgent(opts: AgentBenchOptions = {}): Promise<AgentBenchResult> {
  const starts = opts.starts ?? 7;
  const idle = opts.idleSeconds ?? 3;
  const log = opts.log ?? ((l: string) => console.log(l));
  const variants: AgentBenchVariant[] = [
    // As the systemd unit runs it, and without flags for comparison. (--optimize-for-size was
    // tried: no lower steady RSS, slower start. The young-generation bound shows in a long run, the
    // soak, more than in a few seconds of idling.)
    {
      name: `node ${AGENT_NODE_FLAGS.join(' ')} dist/agent/daemon/main.js (as the unit runs it)`,
      nodeFlags: [...AGENT_NODE_FLAGS],
      readyMs: [],
      cpuMs: [],
      rssMiB: [],
      steadyRssMiB: [],
      servedRssMiB: [],
    },
    {
      name: 'node dist/agent/daemon/main.js (no V8 flags)',
      nodeFlags: [],
      readyMs: [],
      cpuMs: [],
      rssMiB: [],
      steadyRssMiB: [],
      servedRssMiB: [],
    },
  ];
  log(`agent bench: ${starts} starts per variant; node ${process.version}; load average ${loadAverage()}`);
  for (const v of variants) {
    for (let i = 0; i < starts; i++) {
      const r = await oneStart(v.nodeFlags, idle);
      v.readyMs.push(r.readyMs);
      v.cpuMs.push(r.cpuMs);
      v.rssMiB.push(r.rssMiB);
      v.steadyRssMiB.push(r.steadyRssMiB);
      v.servedRssMiB.push(r.servedRssMiB);
    }
    const fmt = (xs: number[], d: number) =>
      `median ${median(xs).toFixed(d)} (min ${Math.min(...xs).toFixed(d)}, max ${Math.max(...xs).toFixed(d)})`;
    log(
      `agent ${v.name}: start-to-ready ms ${fmt(v.readyMs, 0)} [target ≤ ${TARGET_READY_MS}], CPU to ready ms ${fmt(v.cpuMs, 0)}; idle RSS MiB ${idle} s after ready ${fmt(v.rssMiB, 1)}, ${STEADY_SECONDS} s after ready ${fmt(v.steadyRssMiB, 1)} [target ≤ ${TARGET_RSS_MB}], after a first /metrics, /ports and /readyz ${fmt(v.servedRssMiB, 1)}; load average now ${loadAverage()}`,
    );
  }
  return { variants };
}

if (require.main === module) {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : def;
  };
  benchAgent({ starts: arg('starts', 7), idleSeconds: arg('idle-seconds', 3) }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
