// Agent benchmark: start-to-ready time (spawn → grpc.health.v1 answers SERVING on the unix
// socket) and issue #20's idle-memory checkpoints (idle-memory.ts): VmRSS 5 s after ready, right
// after 20 HTTP probes + 20 gRPC reads and 5 s later, for the agent as the systemd unit runs it
// (bound ≤ 50 MB) and with plain `node`; the anchor is bare node idling with the same flags.
// No CRI answers (the CRI client is loaded all the same: the agent asks containerd at start).
// Target: start-to-ready ≤ 500 ms.
//
// Build: npx tsc -p . ; run: node dist/scripts/bench/agent.js [--starts 3]
// (also called by `npm run bench` through scripts/bench/index.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AGENT_NODE_FLAGS } from '../../agent/shared/node-flags';
import { cpuMsOf, freeTcpPort, healthCheck, loadAverage } from './probes';
import { against, bareRss, BOUND_NPM_MB, checkpoints, median, STACK_FLOOR, type Rss } from './idle-memory';
import { packageRoot } from '../../agent/shared/paths';

export interface AgentBenchOptions {
  starts?: number;
  log?: (line: string) => void;
}

export interface AgentBenchVariant {
  name: string;
  nodeFlags: string[];
  readyMs: number[];
  /** CPU the agent process used from exec to ready (user + system): what the wall clock would be on an idle core. */
  cpuMs: number[];
  /** 5 s after ready. */
  idle: Rss[];
  /** Right after 20 HTTP probes and 20 gRPC reads. */
  served: Rss[];
  /** 5 s after that. */
  settled: Rss[];
}

export interface AgentBenchResult {
  variants: AgentBenchVariant[];
}

const TARGET_READY_MS = 500;

async function oneStart(nodeFlags: string[]): Promise<{ readyMs: number; cpuMs: number; idle: Rss; served: Rss; settled: Rss }> {
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
    return { readyMs, cpuMs, ...(await checkpoints(child.pid!, sock, httpPort)) };
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchAgent(opts: AgentBenchOptions = {}): Promise<AgentBenchResult> {
  const starts = opts.starts ?? 3;
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
      idle: [],
      served: [],
      settled: [],
    },
    {
      name: 'node dist/agent/daemon/main.js (no V8 flags)',
      nodeFlags: [],
      readyMs: [],
      cpuMs: [],
      idle: [],
      served: [],
      settled: [],
    },
  ];
  log(`agent bench: ${starts} starts per variant; node ${process.version}; load average ${loadAverage()}`);
  const anchors: Rss[] = [];
  const floors: Rss[] = [];
  for (let i = 0; i < starts; i++) {
    anchors.push(await bareRss(process.execPath, AGENT_NODE_FLAGS));
    floors.push(await bareRss(process.execPath, AGENT_NODE_FLAGS, STACK_FLOOR));
  }
  const mb = (xs: Rss[]) => xs.map((x) => x.mb);
  const anon = (xs: Rss[]) => median(xs.map((x) => x.anonMb)).toFixed(1);
  log(`  anchor: bare node ${AGENT_NODE_FLAGS.join(' ')} idling, 5 s: ${median(mb(anchors)).toFixed(1)} MB (anon ${anon(anchors)})`);
  log(`  anchor: the same + grpc-js, proto-loader, pino, a fastify app (no kubesweep code): ${against(mb(floors), BOUND_NPM_MB)}`);
  for (const v of variants) {
    for (let i = 0; i < starts; i++) {
      const r = await oneStart(v.nodeFlags);
      v.readyMs.push(r.readyMs);
      v.cpuMs.push(r.cpuMs);
      v.idle.push(r.idle);
      v.served.push(r.served);
      v.settled.push(r.settled);
    }
    const fmt = (xs: number[], d: number) =>
      `median ${median(xs).toFixed(d)} (min ${Math.min(...xs).toFixed(d)}, max ${Math.max(...xs).toFixed(d)})`;
    log(
      `  agent ${v.name}: start-to-ready ms ${fmt(v.readyMs, 0)} [target ≤ ${TARGET_READY_MS}], CPU to ready ms ${fmt(v.cpuMs, 0)}; load average now ${loadAverage()}`,
    );
    log(`    RSS 5 s after ready:                   ${against(mb(v.idle), BOUND_NPM_MB)}, anon ${anon(v.idle)}`);
    log(`    right after 20 HTTP probes + 20 reads: ${against(mb(v.served), BOUND_NPM_MB)}, anon ${anon(v.served)}`);
    log(`    5 s later:                             ${against(mb(v.settled), BOUND_NPM_MB)}, anon ${anon(v.settled)}`);
  }
  return { variants };
}

if (require.main === module) {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : def;
  };
  benchAgent({ starts: arg('starts', 3) }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
