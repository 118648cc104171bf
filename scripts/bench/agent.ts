// Agent benchmark: start-to-ready time (spawn → grpc.health.v1 answers SERVING on the unix
// socket) and idle RSS (VmRSS from /proc/PID/status a few seconds after ready), median of
// several starts, for the agent as the systemd unit runs it and with plain `node`.
// Targets: idle RSS ≤ 60 MB, start-to-ready ≤ 500 ms.
//
// Build: npx tsc -p . ; run: node dist/scripts/bench/agent.js [--starts 7] [--idle-seconds 3]
// (also called by `npm run bench` through scripts/bench/index.ts when that exists).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AGENT_NODE_FLAGS } from '../../agent/shared/node-flags';
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

function healthCheck(sock: string): Promise<string> {
  const Ctor = grpc.makeGenericClientConstructor(
    {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: () => Buffer.alloc(0),
        requestDeserialize: () => ({}),
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: (b: Buffer) => ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][b.length >= 2 ? b[1] : 0] ?? 'UNKNOWN',
      } satisfies grpc.MethodDefinition<object, string>,
    },
    'Health',
  );
  const client = new Ctor(`unix://${sock}`, grpc.credentials.createInsecure(), { 'grpc.initial_reconnect_backoff_ms': 5, 'grpc.max_reconnect_backoff_ms': 20 });
  return new Promise((resolve) => {
    const check = (client as unknown as { Check: (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: Error | null, res: string) => void) => void }).Check;
    check.call(client, {}, new grpc.Metadata(), { deadline: Date.now() + 2000 }, (err, res) => {
      client.close();
      resolve(err ? 'ERROR' : res);
    });
  });
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** utime + stime of a process in ms (USER_HZ = 100 on Linux). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function oneStart(nodeFlags: string[], idleSeconds: number): Promise<{ readyMs: number; cpuMs: number; rssMiB: number; steadyRssMiB: number; servedRssMiB: number }> {
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
    const rssMiB = rssKiB(child.pid!) / 1024;
    await new Promise((r) => setTimeout(r, Math.max(0, STEADY_SECONDS - idleSeconds) * 1000));
    const steadyRssMiB = rssKiB(child.pid!) / 1024;
    for (const p of ['/metrics', '/ports', '/readyz']) await (await fetch(`http://127.0.0.1:${httpPort}${p}`)).text();
    return { readyMs, cpuMs, rssMiB, steadyRssMiB, servedRssMiB: rssKiB(child.pid!) / 1024 };
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
    { name: `node ${AGENT_NODE_FLAGS.join(' ')} dist/agent/daemon/main.js (as the unit runs it)`, nodeFlags: [...AGENT_NODE_FLAGS], readyMs: [], cpuMs: [], rssMiB: [], steadyRssMiB: [], servedRssMiB: [] },
    { name: 'node dist/agent/daemon/main.js (no V8 flags)', nodeFlags: [], readyMs: [], cpuMs: [], rssMiB: [], steadyRssMiB: [], servedRssMiB: [] },
  ];
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  log(`agent bench: ${starts} starts per variant; node ${process.version}; load average ${load()}`);
  for (const v of variants) {
    for (let i = 0; i < starts; i++) {
      const r = await oneStart(v.nodeFlags, idle);
      v.readyMs.push(r.readyMs);
      v.cpuMs.push(r.cpuMs);
      v.rssMiB.push(r.rssMiB);
      v.steadyRssMiB.push(r.steadyRssMiB);
      v.servedRssMiB.push(r.servedRssMiB);
    }
    const fmt = (xs: number[], d: number) => `median ${median(xs).toFixed(d)} (min ${Math.min(...xs).toFixed(d)}, max ${Math.max(...xs).toFixed(d)})`;
    log(
      `agent ${v.name}: start-to-ready ms ${fmt(v.readyMs, 0)} [target ≤ ${TARGET_READY_MS}], CPU to ready ms ${fmt(v.cpuMs, 0)}; idle RSS MiB ${idle} s after ready ${fmt(v.rssMiB, 1)}, ${STEADY_SECONDS} s after ready ${fmt(v.steadyRssMiB, 1)} [target ≤ ${TARGET_RSS_MB}], after a first /metrics, /ports and /readyz ${fmt(v.servedRssMiB, 1)}; load average now ${load()}`,
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
