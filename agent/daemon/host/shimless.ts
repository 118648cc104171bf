// Container processes whose shim is gone: a shim crash or the bug report's manual fix (SIGKILL
// containerd-shim-runc-v2) leaves pause, shells and servers running in their cgroups,
// reparented away from any shim (containerd#10727). They are no descendant of a live shim, so
// the process tree cannot prove them ours; their cgroup can, together with containerd's own
// state: a process counts as this containerd's container only when the last element of its
// cgroup path names a container id (ports/cgroup.ts) AND containerd has a task bundle for that
// id in the configured namespace under one of its configured dirs
// (`<dir>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json`), or the CRI lists it.
// A cgroup that merely looks like a container's (a 64-hex name nothing of ours knows), another
// namespace's bundle (docker's `moby`), another containerd's state dir, or a process in the
// same hierarchy outside any container cgroup: none of them is ever a candidate.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readBundleAt, type BundleFacts } from '../ports/bundle';
import { parseCgroup } from '../ports/cgroup';
import { commandOf } from './kill';
import { DEFAULT_PROC_ROOT, type ProcessInfo } from './proc';

export interface ShimlessProcess {
  pid: number;
  startTime: number;
  command: string;
}

export interface ShimlessContainer {
  containerId: string;
  /** How it is proven ours: the task bundle's path, or 'cri'. */
  proof: string;
  facts: BundleFacts;
  processes: ShimlessProcess[];
}

export interface ShimlessQuery {
  procRoot?: string;
  containerdDirs: readonly string[];
  namespace: string;
  /** Pids of live shims of ours and their descendants: those are kill-shims' already. */
  shimOwned: ReadonlySet<number>;
  /** Container and sandbox ids the CRI lists (empty when it cannot be asked). */
  criIds?: ReadonlySet<string>;
}

const ID = /^[0-9a-f]{64}$/;

/** The container id a process's cgroup names, or undefined (pure on the file's text). */
export function containerIdOfCgroup(text: string): string | undefined {
  const id = parseCgroup(text).containerId;
  return id !== undefined && ID.test(id) ? id : undefined;
}

export function readCgroupContainerId(pid: number, procRoot = DEFAULT_PROC_ROOT): string | undefined {
  try {
    return containerIdOfCgroup(readFileSync(path.join(procRoot, String(pid), 'cgroup'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The bundle dir of `id` in `namespace` under one of `dirs`, when containerd has one. */
export function taskBundleOf(id: string, dirs: readonly string[], namespace: string): string | undefined {
  if (!ID.test(id) || namespace.includes('/') || namespace.startsWith('.')) return undefined;
  for (const dir of dirs) {
    const bundle = path.join(dir, 'io.containerd.runtime.v2.task', namespace, id);
    try {
      if (statSync(path.join(bundle, 'config.json')).isFile()) return bundle;
    } catch {
      /* not this dir */
    }
  }
  return undefined;
}

/** Processes of this containerd's containers that no live shim of ours is the ancestor of. */
export function findShimlessContainers(procs: readonly ProcessInfo[], q: ShimlessQuery): ShimlessContainer[] {
  const procRoot = q.procRoot ?? DEFAULT_PROC_ROOT;
  const byId = new Map<string, ShimlessProcess[]>();
  for (const p of procs) {
    if (p.state === 'Z' || p.pid <= 1 || q.shimOwned.has(p.pid)) continue;
    const id = readCgroupContainerId(p.pid, procRoot);
    if (!id) continue;
    const list = byId.get(id) ?? [];
    list.push({ pid: p.pid, startTime: p.startTime, command: commandOf(p) });
    byId.set(id, list);
  }
  const out: ShimlessContainer[] = [];
  for (const [containerId, processes] of byId) {
    const bundle = taskBundleOf(containerId, q.containerdDirs, q.namespace);
    const proof = bundle ?? (q.criIds?.has(containerId) ? 'cri' : undefined);
    if (!proof) continue;
    out.push({
      containerId,
      proof,
      facts: (bundle ? readBundleAt(bundle) : undefined) ?? {},
      processes: processes.sort((a, b) => a.pid - b.pid),
    });
  }
  return out.sort((a, b) => a.containerId.localeCompare(b.containerId));
}
