// Killing processes that are PROVEN to belong to the configured containerd: a shim whose
// -address and -namespace are ours, or a descendant of one. Everything else on the node
// (another containerd's shims, docker's, the operator's shell) is refused by construction.
// A pid is only ever signalled after re-reading its start time: pid + start time identify a
// process, so a pid recycled since we looked is never hit.
import { ksError } from '../../shared/errors';
import { DEFAULT_PROC_ROOT, isAlive, ProcessInfo, readProcess } from './proc';
import { isShimOf, parseShimCmdline } from './shim';

export interface ContainerdRef {
  /** containerd's gRPC socket, as shims carry it in -address. */
  address: string;
  namespace: string;
}

export interface OwnedProcess {
  pid: number;
  startTime: number;
  command: string;
  /** The shim of ours this process is (pid === shimPid) or descends from; 0 when its shim is gone. */
  shimPid: number;
  shimId: string;
  /**
   * Set for a process whose shim is gone (host/shimless.ts): it is proven ours by its cgroup,
   * which must still name this container id right before each signal.
   */
  containerId?: string;
}

export function commandOf(p: Pick<ProcessInfo, 'argv' | 'comm'>): string {
  const cmd = p.argv.length ? p.argv.join(' ') : `[${p.comm}]`;
  return cmd.length > 200 ? cmd.slice(0, 197) + '...' : cmd;
}

/**
 * Prove that `pid` is a shim of `owner` or a descendant of one, by walking the parent chain.
 * `lookup` reads a process (default: from procRoot); a snapshot map can be passed for speed.
 * Throws KS_PROCESS_NOT_OURS otherwise.
 */
export function proveOurs(
  pid: number,
  owner: ContainerdRef,
  procRoot = DEFAULT_PROC_ROOT,
  lookup: (pid: number) => ProcessInfo | undefined = (p) => readProcess(p, procRoot),
): OwnedProcess {
  const self = lookup(pid);
  if (!self) throw ksError('KS_PROCESS_NOT_OURS', `refusing to kill pid ${pid}: no such process`, { pid });
  const seen = new Set<number>();
  let cur: ProcessInfo | undefined = self;
  while (cur && cur.pid > 1 && !seen.has(cur.pid)) {
    seen.add(cur.pid);
    const shim = parseShimCmdline(cur.argv);
    if (shim && isShimOf(shim, owner.address, owner.namespace)) {
      return { pid: self.pid, startTime: self.startTime, command: commandOf(self), shimPid: cur.pid, shimId: shim.id };
    }
    cur = lookup(cur.ppid);
  }
  throw ksError(
    'KS_PROCESS_NOT_OURS',
    `refusing to kill pid ${pid} (${commandOf(self)}): not a shim of containerd ${owner.address} namespace ${owner.namespace}, nor a descendant of one`,
    {
      pid,
      command: commandOf(self),
      address: owner.address,
      namespace: owner.namespace,
    },
  );
}

export interface KillOptions {
  graceMs: number;
  procRoot?: string;
  /** Poll interval while waiting for processes to exit. */
  pollMs?: number;
  /** Called before each signal actually sent (for the structured log). */
  onSignal?: (p: OwnedProcess, signal: 'SIGTERM' | 'SIGKILL') => void;
  signal?: AbortSignal;
  /** A further identity check right before each signal (e.g. the cgroup still names the container). */
  recheck?: (p: OwnedProcess) => boolean;
}

export interface KillResult {
  /** Exited after SIGTERM. */
  terminated: number[];
  /** Needed SIGKILL. */
  killed: number[];
  /** Already gone (or its pid now belongs to another process) before we signalled it. */
  gone: number[];
  /** Still alive after SIGKILL + wait (e.g. stuck in D state). */
  survivors: number[];
}

function send(
  p: OwnedProcess,
  sig: 'SIGTERM' | 'SIGKILL',
  procRoot: string,
  onSignal?: KillOptions['onSignal'],
  recheck?: KillOptions['recheck'],
): boolean {
  // The identity check right before the signal: same pid, same start time, not a zombie.
  if (!isAlive(p.pid, p.startTime, procRoot)) return false;
  if (recheck && !recheck(p)) return false;
  onSignal?.(p, sig);
  try {
    process.kill(p.pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

async function waitGone(procs: readonly OwnedProcess[], ms: number, procRoot: string, pollMs: number): Promise<OwnedProcess[]> {
  const deadline = Date.now() + ms;
  let alive = procs.filter((p) => isAlive(p.pid, p.startTime, procRoot));
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
    alive = alive.filter((p) => isAlive(p.pid, p.startTime, procRoot));
  }
  return alive;
}

/**
 * SIGKILL every process at once, no grace and no wait: for a pod the CRI is about to remove
 * anyway (its RemovePodSandbox's own stop would SIGKILL them through one `runc kill` process
 * per container). Each signal follows the same identity check as terminateAll's.
 */
export function killNow(
  procs: readonly OwnedProcess[],
  opts: Pick<KillOptions, 'procRoot' | 'onSignal'> = {},
): { killed: number[]; gone: number[] } {
  const procRoot = opts.procRoot ?? DEFAULT_PROC_ROOT;
  const res = { killed: [] as number[], gone: [] as number[] };
  for (const p of procs) (send(p, 'SIGKILL', procRoot, opts.onSignal) ? res.killed : res.gone).push(p.pid);
  return res;
}

/**
 * SIGTERM every process, wait up to graceMs for all of them together, SIGKILL the rest, wait
 * for them to go. All processes must already be proven ours (OwnedProcess). The grace periods
 * overlap: n stubborn processes cost one grace period, not n.
 */
export async function terminateAll(procs: readonly OwnedProcess[], opts: KillOptions): Promise<KillResult> {
  const procRoot = opts.procRoot ?? DEFAULT_PROC_ROOT;
  const pollMs = opts.pollMs ?? 50;
  const res: KillResult = { terminated: [], killed: [], gone: [], survivors: [] };
  const signalled: OwnedProcess[] = [];
  for (const p of procs) {
    if (send(p, 'SIGTERM', procRoot, opts.onSignal, opts.recheck)) signalled.push(p);
    else res.gone.push(p.pid);
  }
  let alive = await waitGone(signalled, opts.graceMs, procRoot, pollMs);
  const stubborn = new Set(alive.map((p) => p.pid));
  for (const p of signalled) if (!stubborn.has(p.pid)) res.terminated.push(p.pid);
  for (const p of alive) {
    if (send(p, 'SIGKILL', procRoot, opts.onSignal, opts.recheck)) res.killed.push(p.pid);
    else res.terminated.push(p.pid);
  }
  alive = await waitGone(alive, 5000, procRoot, pollMs);
  res.survivors = alive.map((p) => p.pid);
  return res;
}
