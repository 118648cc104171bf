// Reading processes from /proc. The parsers are pure (they take the text); the readers are
// thin and take a procRoot so tests can point them at a fixture tree.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { redactArgv } from '../../shared/redact';

export const DEFAULT_PROC_ROOT = '/proc';

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, T, Z (zombie: exited, waiting to be reaped), X, I … */
  state: string;
  ppid: number;
  /** Start time in clock ticks after boot: with the pid it identifies a process across pid reuse. */
  startTime: number;
}

export interface ProcessInfo extends ProcStat {
  argv: string[];
}

/** Parse /proc/PID/stat. comm may contain spaces and parentheses, so split at the last ')'. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTime = Number(rest[19]);
  if (!Number.isInteger(pid) || !state || !Number.isInteger(ppid) || !Number.isFinite(startTime)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid, startTime };
}

/** Parse /proc/PID/cmdline (NUL-separated, usually NUL-terminated). */
export function parseCmdline(buf: Buffer | string): string[] {
  const text = typeof buf === 'string' ? buf : buf.toString('utf8');
  if (text === '') return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * A process's argv with secrets replaced by `***` (shared/redact.ts). The one place the agent
 * reads /proc/PID/cmdline: port owners, shims, their children and netns holders all come from
 * here, so no report, log line or journal record can hold a clear secret. Throws when the
 * process is gone or unreadable.
 */
export function readCmdline(pid: number, procRoot = DEFAULT_PROC_ROOT): string[] {
  return redactArgv(parseCmdline(readFileSync(path.join(procRoot, String(pid), 'cmdline'))));
}

export function readProcess(pid: number, procRoot = DEFAULT_PROC_ROOT): ProcessInfo | undefined {
  try {
    const stat = parseStat(readFileSync(path.join(procRoot, String(pid), 'stat'), 'utf8'));
    if (!stat) return undefined;
    const argv = readCmdline(pid, procRoot);
    return { ...stat, argv };
  } catch {
    return undefined; // exited meanwhile, or not readable
  }
}

export function listPids(procRoot = DEFAULT_PROC_ROOT): number[] {
  return readdirSync(procRoot)
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Every process visible in procRoot (processes that vanish while we read are skipped). */
export function listProcesses(procRoot = DEFAULT_PROC_ROOT): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const pid of listPids(procRoot)) {
    const p = readProcess(pid, procRoot);
    if (p) out.push(p);
  }
  return out;
}

/** Children by parent pid. */
export function childrenIndex(procs: readonly ProcStat[]): Map<number, number[]> {
  const idx = new Map<number, number[]>();
  for (const p of procs) {
    const list = idx.get(p.ppid);
    if (list) list.push(p.pid);
    else idx.set(p.ppid, [p.pid]);
  }
  return idx;
}

/** All descendants of root (not root itself), deepest first: the order to kill them in. */
export function descendantsDeepestFirst(root: number, children: Map<number, number[]>): number[] {
  const out: number[] = [];
  const seen = new Set<number>([root]);
  const visit = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      visit(c);
      out.push(c);
    }
  };
  visit(root);
  return out;
}

/** The /proc/PID/ns/net link, `net:[4026531993]` → 4026531993 (the netns inode). */
export function parseNsLink(link: string): number | undefined {
  const m = /^net:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/** The inode of a process's network namespace, or undefined (gone, or not readable). */
export function netnsInodeOf(pid: number | 'self', procRoot = DEFAULT_PROC_ROOT): number | undefined {
  try {
    return parseNsLink(readlinkSync(path.join(procRoot, String(pid), 'ns', 'net')));
  } catch {
    return undefined;
  }
}

/** The inode of a namespace file (a bind-mounted nsfs file such as /var/run/netns/cni-…). */
export function fileInode(p: string): number | undefined {
  try {
    return statSync(p).ino;
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie. Same pid + start time = same process. */
export function isAlive(pid: number, startTime?: number, procRoot = DEFAULT_PROC_ROOT): boolean {
  try {
    const stat = parseStat(readFileSync(path.join(procRoot, String(pid), 'stat'), 'utf8'));
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
    return startTime === undefined || stat.startTime === startTime;
  } catch {
    return false;
  }
}
