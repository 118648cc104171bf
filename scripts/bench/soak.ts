// Soak: one agent, N cycles of the seed residue + a reset, with 20 concurrent ListPorts reads
// while each reset runs. Every reset must end clean, no read may fail, the agent's open fds
// must not grow, and its RSS after the last cycle must stay within 1.15x of its RSS after
// cycle 2 (cycle 1 warms up code and caches). `npm run bench` runs 20 cycles
// (`node dist/scripts/bench/soak.js [CYCLES]`); test/integration/containerd/soak.test.ts runs 3.
// Issue #20's bound for the npm layout (≤ 50 MB RSS) is checked after the last cycle and again
// once the agent has been quiet for 5 s (its idle collection), next to bare node's RSS.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { AgentClient } from '../../agent/client/agent-client';
import { AGENT_NODE_FLAGS } from '../../agent/shared/node-flags';
import { freeTcpPort, loadAverage, statusKiB } from './probes';
import { against, bareRss, BOUND_NPM_MB, rssOf, SETTLE_SECONDS, type Rss } from './idle-memory';
import { packageRoot } from '../../agent/shared/paths';
import { testbedAgentArgs } from '../testbed/agent-args';
import { seedResidue, SEED_NODE } from '../testbed/seed';
import { Testbed } from '../testbed/testbed';

export const READS_PER_RESET = 20;
export const RSS_GROWTH_LIMIT = 1.15;

export interface SoakCycle {
  cycle: number;
  verdict: string;
  resetMs: number;
  reads: number;
  readFailures: string[];
  rssKiB: number;
  fds: number;
}

export interface SoakResult {
  cycles: SoakCycle[];
  /** RSS after the last cycle / RSS after cycle 2 (cycle 1 when fewer). */
  rssGrowth: number;
  fdGrowth: number;
  /** RSS right after the last cycle, and SETTLE_SECONDS later (the agent quiet). */
  after: Rss;
  settled: Rss;
  ok: boolean;
  problems: string[];
}

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** The agent on the testbed, as its unit runs it unless given other node flags (the reset bench). */
export async function startAgent(
  tb: Testbed,
  sock: string,
  manifestsDir: string,
  stateDir: string,
  opts: { nodeFlags?: readonly string[]; node?: string } = {},
): Promise<ChildProcess> {
  const args = [
    ...(opts.nodeFlags ?? AGENT_NODE_FLAGS),
    path.join(packageRoot(), 'dist/agent/daemon/main.js'),
    ...testbedAgentArgs(tb, { node: opts.node ?? SEED_NODE, manifestsDir, stateDir, expectFreePorts: [] }),
    '--listen',
    `unix://${sock}`,
    '--http-listen',
    '',
    '--log-level',
    'warn',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const t0 = Date.now();
  while (!existsSync(sock)) {
    if (child.exitCode !== null) throw new Error(`soak: agent exited: ${stderr}`);
    if (Date.now() - t0 > 30_000) throw new Error('soak: agent not ready within 30 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

export async function soak(cycles: number, log: (line: string) => void = () => {}): Promise<SoakResult> {
  const tb = await Testbed.start();
  let agent: ChildProcess | undefined;
  try {
    const dir = path.join(tb.scratch, 'soak');
    const manifestsDir = path.join(dir, 'manifests');
    const stateDir = path.join(dir, 'state');
    mkdirSync(manifestsDir, { recursive: true });
    const sock = path.join(tb.dir, 'agent.sock');
    agent = await startAgent(tb, sock, manifestsDir, stateDir);
    const pid = agent.pid ?? 0;
    const out: SoakCycle[] = [];
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const ports = { api: await freeTcpPort(), proxyMetrics: await freeTcpPort() };
      await seedResidue(tb.cri(), tb, manifestsDir, ports);
      const c = new AgentClient({ endpoint: `unix://${sock}` });
      const readFailures: string[] = [];
      let reads: Promise<void>[] = [];
      const t0 = Date.now();
      let verdict: string;
      try {
        const report = await c.reset({ confirmNode: SEED_NODE, graceSeconds: 2 }, (ev) => {
          // Twenty readers at once while the pods are being removed (a port report per read).
          if (ev.type === 'step-started' && ev.step === 'remove-pods' && reads.length === 0) {
            reads = Array.from({ length: READS_PER_RESET }, () =>
              c.listPorts().then(
                () => undefined,
                (err: Error) => void readFailures.push(err.message),
              ),
            );
          }
        });
        verdict = report.verification?.verdict ?? `aborted: ${report.aborted}`;
      } catch (err) {
        verdict = `reset failed: ${(err as Error).message}`;
      }
      const resetMs = Date.now() - t0;
      await Promise.all(reads);
      c.close();
      // Let the agent settle (sockets closed, timers fired) before reading its footprint.
      await new Promise((r) => setTimeout(r, 1000));
      const rec: SoakCycle = {
        cycle,
        verdict,
        resetMs,
        reads: reads.length,
        readFailures,
        rssKiB: statusKiB(pid, 'VmRSS'),
        fds: fdCount(pid),
      };
      out.push(rec);
      log(
        `cycle ${String(cycle).padStart(2)}: ${verdict}, reset ${resetMs} ms, ${rec.reads} reads (${readFailures.length} failed), RSS ${(rec.rssKiB / 1024).toFixed(1)} MiB, ${rec.fds} fds, load ${loadavg()[0]?.toFixed(2) ?? '?'}`,
      );
    }
    const after = rssOf(pid);
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
    const settled = rssOf(pid);
    const first = out[0];
    const base = out[Math.min(1, out.length - 1)];
    const last = out[out.length - 1];
    if (!first || !base || !last) throw new Error('soak: no cycle ran');
    const rssGrowth = last.rssKiB / base.rssKiB;
    const fdGrowth = last.fds - first.fds;
    const problems: string[] = [];
    for (const c of out) {
      if (c.verdict !== 'clean') problems.push(`cycle ${c.cycle}: ${c.verdict}`);
      if (c.reads !== READS_PER_RESET) problems.push(`cycle ${c.cycle}: ${c.reads} reads instead of ${READS_PER_RESET}`);
      if (c.readFailures.length) problems.push(`cycle ${c.cycle}: ${c.readFailures.length} reads failed: ${c.readFailures[0]}`);
    }
    if (fdGrowth > 0) problems.push(`fds grew by ${fdGrowth} (${out.map((c) => c.fds).join(', ')})`);
    if (cycles >= 3 && rssGrowth > RSS_GROWTH_LIMIT)
      problems.push(`RSS grew ${rssGrowth.toFixed(3)}x from cycle 2 to cycle ${last.cycle} (limit ${RSS_GROWTH_LIMIT}x)`);
    return { cycles: out, rssGrowth, fdGrowth, after, settled, ok: problems.length === 0, problems };
  } finally {
    if (agent && agent.exitCode === null) {
      const a = agent;
      const exited = new Promise<void>((r) => a.once('exit', () => r()));
      a.kill('SIGTERM');
      const t = setTimeout(() => a.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    await tb.teardown();
  }
}

async function main(): Promise<number> {
  const cycles = Number(process.argv[2] ?? 20);
  console.log(
    `soak: ${cycles} cycles of the seed residue (6 pods, 3 manifests) + reset --grace 2, ${READS_PER_RESET} concurrent ListPorts per reset`,
  );
  const anchor = await bareRss(process.execPath, AGENT_NODE_FLAGS);
  console.log(`  anchor: bare node ${AGENT_NODE_FLAGS.join(' ')} idling: ${anchor.mb.toFixed(1)} MB; load average ${loadAverage()}`);
  const r = await soak(cycles, (l) => console.log(`  ${l}`));
  console.log(`  RSS series (MiB): ${r.cycles.map((c) => (c.rssKiB / 1024).toFixed(1)).join(' ')}`);
  console.log(`  fd series: ${r.cycles.map((c) => c.fds).join(' ')}`);
  console.log(
    `  RSS after cycle ${r.cycles.length} / after cycle 2: ${r.rssGrowth.toFixed(3)}x (limit ${RSS_GROWTH_LIMIT}x); fd growth ${r.fdGrowth}`,
  );
  console.log(
    `  RSS after the ${r.cycles.length} resets: ${against([r.after.mb], BOUND_NPM_MB)} (anon ${r.after.anonMb.toFixed(1)}); ${SETTLE_SECONDS} s later: ${against([r.settled.mb], BOUND_NPM_MB)} (anon ${r.settled.anonMb.toFixed(1)}); load average ${loadAverage()}`,
  );
  console.log(r.ok ? '  soak: ok' : `  soak: FAILED: ${r.problems.join('; ')}`);
  return r.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
