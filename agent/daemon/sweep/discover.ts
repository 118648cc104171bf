// Looking at the node: pods through CRI, shims and their process trees in /proc, CNI netns
// files and who holds them, and mounts left by containers. Read-only; the plan is built from
// what this returns.
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { CriClient } from '../cri/client';
import type { ContainerdRef } from '../host/kill';
import { commandOf } from '../host/kill';
import { type MountEntry, readMountinfo } from '../host/mountinfo';
import { type EntryIdentity, entryTypeOf } from '../host/paths';
import { childrenIndex, descendantsDeepestFirst, netnsInodeOf, ProcessInfo } from '../host/proc';
import { isShimOf, parseShimCmdline } from '../host/shim';
import type { ShimlessContainer } from '../host/shimless';
import { mapLimit } from '../../shared/pool';
import { podKindOf } from './pod-kind';
import type { ContainerInfo, NetnsInfo, ProcessRef, SandboxInfo, ShimInfo } from './types';

export interface ProcRefWithStart extends ProcessRef {
  startTime: number;
}

export interface ShimProc extends ShimInfo {
  startTime: number;
  command: string;
  /** Descendants deepest first (container processes before pause), with start times. */
  tree: ProcRefWithStart[];
}

/** Shims of `owner` (address + namespace), each with its process tree. */
export function findShims(procs: readonly ProcessInfo[], owner: ContainerdRef): ShimProc[] {
  const children = childrenIndex(procs);
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const out: ShimProc[] = [];
  for (const p of procs) {
    if (p.state === 'Z') continue;
    const shim = parseShimCmdline(p.argv);
    if (!shim || !isShimOf(shim, owner.address, owner.namespace)) continue;
    const tree: ProcRefWithStart[] = [];
    for (const pid of descendantsDeepestFirst(p.pid, children)) {
      const d = byPid.get(pid);
      if (!d || d.state === 'Z') continue;
      tree.push({ pid, startTime: d.startTime, command: commandOf(d), ours: true });
    }
    out.push({
      pid: p.pid,
      startTime: p.startTime,
      id: shim.id,
      namespace: shim.namespace,
      address: shim.address,
      binary: shim.binary,
      command: commandOf(p),
      children: tree.map(({ pid, command, ours }) => ({ pid, command, ours })),
      tree,
    });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** pid -> the shim of ours it is or descends from (for "is this holder ours?"). */
export function ownershipIndex(shims: readonly ShimProc[]): Map<number, ShimProc> {
  const m = new Map<number, ShimProc>();
  for (const s of shims) {
    m.set(s.pid, s);
    for (const c of s.tree) m.set(c.pid, s);
  }
  return m;
}

export interface NetnsHolder extends ProcRefWithStart {
  /** The shim of ours it descends from; for a shim-gone container process, its sandbox id. */
  shimId?: string;
  /** A container process of ours whose shim is gone (proven by its cgroup, host/shimless.ts). */
  shimGone?: boolean;
}

export interface NetnsEntry extends NetnsInfo {
  dir: string;
  holders: NetnsHolder[];
  /** lstat of the entry as seen now (never followed): re-checked before it is unmounted or unlinked. */
  identity?: EntryIdentity;
  /** A symlink: the path it points at (never followed; the link is removed). */
  symlink?: string;
  /** Not a netns file (a FIFO, a dir, a mount of something else…): why it is left in place. */
  odd?: string;
}

/**
 * What a `cni-*` entry is, never followed (docs/security.md, "Odd entries"): a netns file (an
 * nsfs mount on a file, or the file left after its unmount), a symlink (removed as the link), or
 * odd — anything else, left in place with why.
 */
function netnsEntryOf(dir: string, name: string, mounts: () => Map<string, MountEntry>): NetnsEntry | undefined {
  const p = path.join(dir, name);
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return undefined;
  }
  const type = entryTypeOf(st);
  const base = { dir, path: p, name, holders: [] as NetnsHolder[], identity: { type, dev: st.dev, ino: st.ino } };
  if (type === 'symlink') {
    let target = '';
    try {
      target = readlinkSync(p);
    } catch {
      /* gone in between: the run finds it gone */
    }
    return { ...base, inode: 0, symlink: target };
  }
  let real = p;
  try {
    real = path.join(realpathSync(dir), name); // mountinfo names mounts by their real path (/var/run → /run)
  } catch {
    /* the dir went away: the run finds the entry gone */
  }
  const m = mounts().get(real);
  if (type === 'file' && (m === undefined || m.fsType === 'nsfs')) return { ...base, inode: st.ino };
  const why = m
    ? `a mount of ${m.fsType} ${m.source}${m.root === '/' ? '' : `:${m.root}`}, not a network namespace: not unmounted, left in place`
    : `a ${type}, not a netns file: never opened, left in place`;
  return { ...base, inode: 0, odd: why };
}

/**
 * CNI-created netns files (`cni-*`) in each dir, and the processes living in each. A holder is
 * ours when a shim of ours is its ancestor (owned) or when it is a process of a shim-gone
 * container of ours (shimless).
 */
export function findNetns(
  dirs: readonly string[],
  procs: readonly ProcessInfo[],
  owned: Map<number, ShimProc>,
  procRoot: string,
  shimless: readonly ShimlessContainer[] = [],
): NetnsEntry[] {
  const entries: NetnsEntry[] = [];
  let mountMap: Map<string, MountEntry> | undefined;
  const mounts = (): Map<string, MountEntry> => {
    if (mountMap) return mountMap;
    try {
      return (mountMap = new Map(readMountinfo(procRoot).map((m) => [m.mountPoint, m])));
    } catch {
      return (mountMap = new Map<string, MountEntry>()); // no mount table to read (a fixture /proc): every file counts as a netns file
    }
  };
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n.startsWith('cni-')).sort()) {
      const e = netnsEntryOf(dir, name, mounts);
      if (e) entries.push(e);
    }
  }
  if (entries.length === 0) return entries;
  const orphanSandbox = new Map<number, string>();
  for (const c of shimless) for (const p of c.processes) orphanSandbox.set(p.pid, c.facts.sandboxId ?? c.containerId);
  const byInode = new Map<number, NetnsEntry[]>();
  for (const e of entries) if (e.inode) byInode.set(e.inode, [...(byInode.get(e.inode) ?? []), e]);
  for (const p of procs) {
    if (p.state === 'Z') continue;
    const ino = netnsInodeOf(p.pid, procRoot);
    if (ino === undefined) continue;
    for (const e of byInode.get(ino) ?? []) {
      const shim = owned.get(p.pid);
      const orphanOf = shim ? undefined : orphanSandbox.get(p.pid);
      if (orphanOf !== undefined)
        e.holders.push({ pid: p.pid, startTime: p.startTime, command: commandOf(p), ours: true, shimId: orphanOf, shimGone: true });
      else e.holders.push({ pid: p.pid, startTime: p.startTime, command: commandOf(p), ours: shim !== undefined, shimId: shim?.id });
    }
  }
  return entries;
}

export interface ContainerMount {
  mountPoint: string;
  /** The container (or sandbox) id the mount belongs to. */
  id: string;
  /** The sandbox it belongs to (from the task's OCI annotations; the id itself for a sandbox). */
  sandboxId: string;
  kind: 'rootfs' | 'shm';
}

const CRI_SANDBOX_ID = 'io.kubernetes.cri.sandbox-id';

function sandboxOfTask(taskDir: string, id: string): string {
  try {
    const spec = JSON.parse(readFileSync(path.join(taskDir, 'config.json'), 'utf8')) as { annotations?: Record<string, string> };
    return spec.annotations?.[CRI_SANDBOX_ID] ?? id;
  } catch {
    return id;
  }
}

/**
 * Container rootfs mounts (`<dir>/io.containerd.runtime.v2.task/<ns>/<id>/rootfs`) and pod shm
 * mounts (`<dir>/io.containerd.grpc.v1.cri/sandboxes/<id>/shm`) under containerd's dirs.
 */
export function findContainerMounts(mounts: readonly MountEntry[], containerdDirs: readonly string[], namespace: string): ContainerMount[] {
  const out: ContainerMount[] = [];
  const seen = new Set<string>();
  for (const dir of containerdDirs.map((d) => path.resolve(d))) {
    const taskRoot = path.join(dir, 'io.containerd.runtime.v2.task', namespace) + '/';
    const sbRoot = path.join(dir, 'io.containerd.grpc.v1.cri', 'sandboxes') + '/';
    for (const m of mounts) {
      if (seen.has(m.mountPoint)) continue;
      if (m.mountPoint.startsWith(taskRoot)) {
        const rest = m.mountPoint.slice(taskRoot.length).split('/');
        if (rest.length === 2 && rest[1] === 'rootfs' && rest[0]) {
          seen.add(m.mountPoint);
          out.push({ mountPoint: m.mountPoint, id: rest[0], sandboxId: sandboxOfTask(taskRoot + rest[0], rest[0]), kind: 'rootfs' });
        }
      } else if (m.mountPoint.startsWith(sbRoot)) {
        const rest = m.mountPoint.slice(sbRoot.length).split('/');
        if (rest.length === 2 && rest[1] === 'shm' && rest[0]) {
          seen.add(m.mountPoint);
          out.push({ mountPoint: m.mountPoint, id: rest[0], sandboxId: rest[0], kind: 'shm' });
        }
      }
    }
  }
  return out;
}

/**
 * Host-network or not, per sandbox, read from /proc instead of asking containerd: a pod's shim
 * is named after its sandbox id, and its processes live in the pod's netns or in the host's.
 * Sandboxes without a live process tree are absent from the map (the CRI is asked then).
 */
export function hostNetworkFromShims(shims: readonly ShimProc[], procRoot: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  // PID 1's netns is the host's; where PID 1 cannot be read, the agent's own (it runs in the
  // host netns: it has to see the host's listening ports).
  const host = netnsInodeOf(1, procRoot) ?? netnsInodeOf('self', procRoot);
  if (host === undefined) return out;
  for (const s of shims) {
    const inodes = s.tree.map((p) => netnsInodeOf(p.pid, procRoot)).filter((i): i is number => i !== undefined);
    if (inodes.length)
      out.set(
        s.id,
        inodes.every((i) => i === host),
      );
  }
  return out;
}

/** Sandboxes (with kind and host-network) and containers (orphans flagged) from the CRI. */
export async function listPods(
  cri: CriClient,
  timeoutMs: number,
  parallelism: number,
  knownHostNetwork: ReadonlyMap<string, boolean> = new Map(),
): Promise<{ sandboxes: SandboxInfo[]; containers: ContainerInfo[] }> {
  const sbs = await cri.listPodSandbox(undefined, { timeoutMs });
  const cts = await cri.listContainers(undefined, { timeoutMs });
  const sandboxes = await mapLimit(sbs, Math.max(parallelism, 8), async (s): Promise<SandboxInfo> => {
    let hostNetwork = knownHostNetwork.get(s.id);
    if (hostNetwork === undefined) {
      const st = await cri.podSandboxStatus(s.id, false, { timeoutMs }).catch(() => undefined);
      hostNetwork = st?.status?.linux?.namespaces?.options?.network === 'NODE';
    }
    return {
      id: s.id,
      name: s.metadata?.name ?? '',
      namespace: s.metadata?.namespace ?? '',
      uid: s.metadata?.uid ?? '',
      kind: podKindOf(s.labels, s.annotations),
      hostNetwork,
      state: s.state,
      createdAt: s.createdAt,
    };
  });
  const byId = new Map(sandboxes.map((s) => [s.id, s]));
  const containers = cts.map((c): ContainerInfo => {
    const sb = byId.get(c.podSandboxId);
    return {
      id: c.id,
      name: c.metadata?.name ?? '',
      sandboxId: c.podSandboxId,
      state: c.state,
      podName: sb?.name ?? c.labels['io.kubernetes.pod.name'] ?? '',
      podNamespace: sb?.namespace ?? c.labels['io.kubernetes.pod.namespace'] ?? '',
      orphan: sb === undefined,
    };
  });
  return { sandboxes, containers };
}
