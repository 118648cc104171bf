// Issue #20's idle-memory checkpoints, shared by the agent, footprint and soak benches: the RSS
// of a running agent 5 s after ready, after 20 HTTP probes and 20 gRPC reads, and the anchor —
// bare node (or the single file's own runtime) idling with the same flags.
// Bounds (issue #20): the npm layout ≤ 50 MB, the single file ≤ 60 MB, in MB of 10^6 bytes.
import { spawn } from 'node:child_process';
import { AgentClient } from '../../agent/client/agent-client';
import { packageRoot } from '../../agent/shared/paths';
import { statusKiB } from './probes';

export const BOUND_NPM_MB = 50;
export const BOUND_SEA_MB = 60;
export const IDLE_SECONDS = 5;
export const PROBES = 20;
export const READS = 20;
/** After the probes and reads, the RSS is read at once and again this long later (agent quiet). */
export const SETTLE_SECONDS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Rss {
  /** VmRSS in MB (10^6 bytes), what the bounds are in. */
  mb: number;
  /** Of it, anonymous memory (the process's own; the rest is file pages of the executable). */
  anonMb: number;
}

export function rssOf(pid: number): Rss {
  return { mb: (statusKiB(pid, 'VmRSS') * 1024) / 1e6, anonMb: (statusKiB(pid, 'RssAnon') * 1024) / 1e6 };
}

/**
 * Twenty HTTP probes (/healthz and /readyz in turn, what kubelet or a load balancer asks) and
 * twenty gRPC reads (ListPorts and Info in turn: the port report and the node facts).
 */
export async function probesAndReads(sock: string, httpPort?: number): Promise<void> {
  if (httpPort) for (let i = 0; i < PROBES; i++) await (await fetch(`http://127.0.0.1:${httpPort}/${i % 2 ? 'readyz' : 'healthz'}`)).text();
  const c = new AgentClient({ endpoint: `unix://${sock}` });
  try {
    for (let i = 0; i < READS; i++) await (i % 2 ? c.info() : c.listPorts());
  } finally {
    c.close();
  }
}

/** The checkpoints of one agent that is ready: 5 s idle, right after the probes and reads, settled. */
export async function checkpoints(pid: number, sock: string, httpPort?: number): Promise<{ idle: Rss; served: Rss; settled: Rss }> {
  await sleep(IDLE_SECONDS * 1000);
  const idle = rssOf(pid);
  await probesAndReads(sock, httpPort);
  const served = rssOf(pid);
  await sleep(SETTLE_SECONDS * 1000);
  return { idle, served, settled: rssOf(pid) };
}

/**
 * The floor of the stack the agent is built on (the user's choice, issue #20): grpc-js and
 * proto-loader, pino, and a fastify app, loaded and idle — none of kubesweep's own code.
 */
export const STACK_FLOOR = "require('@grpc/grpc-js'); require('@grpc/proto-loader'); require('pino')(); require('fastify')();";

/**
 * The anchors: `exe` idling on a timer with these leading args (after running `code`, from the
 * package root so that its node_modules resolve), its RSS after IDLE_SECONDS.
 */
export async function bareRss(exe: string, lead: readonly string[], code = ''): Promise<Rss> {
  const child = spawn(exe, [...lead, '-e', `${code} setInterval(() => {}, 1000);`], { stdio: 'ignore', cwd: packageRoot() });
  try {
    await sleep(IDLE_SECONDS * 1000);
    return rssOf(child.pid!);
  } finally {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN;
};

/** "median (min–max)" of MB figures and the verdict against a bound (every run must be within). */
export function against(xs: number[], boundMb: number): string {
  const worst = Math.max(...xs);
  const verdict = worst <= boundMb ? 'met' : `NOT met by ${(worst - boundMb).toFixed(1)} MB`;
  return `${median(xs).toFixed(1)} MB (${Math.min(...xs).toFixed(1)}–${worst.toFixed(1)}) [bound ≤ ${boundMb} MB: ${verdict}]`;
}
