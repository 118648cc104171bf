// What a step plans to do: one action on one target, with the facts the run needs to do it
// safely (start times against pid reuse, checksums against a changed file, the pod a CRI call
// is about). One union, discriminated on `action`: a runner reads typed fields, and the plan a
// dry run prints is exactly what the run executes. A new kind of action is added here.
import type { CleanupKind } from '../../shared/kinds';
import type { PodKind } from '../ports/types';
import type { PodScope } from './pod-kind';

/** The pod a CRI action is about. */
export type PodRef = { sandboxId: string; pod: string; kind: PodKind; hostNetwork: boolean };
/** A container whose sandbox is gone: its pod (and so its kind) is unknown. */
export type OrphanRef = { sandboxId: string; container: string; orphan: true };
export type ProcRef = { pid: number; startTime: number; command: string };

export type StopUnit = { action: 'stop-unit'; /** the unit */ target: string };
export type BackupFile = {
  action: 'backup-file';
  /** the manifest's path */ target: string;
  detail: {
    name: string;
    size: number;
    sha256: string;
    /** a symlink: backed up as the link (this target path), never followed */ link?: string;
  };
};
/** Removed only if it still has the content the backup took (sha256). */
export type RemoveFile = { action: 'remove-file'; target: string; detail: { name: string; sha256: string } };
/**
 * An entry of a cleaned dir that is not what its kind expects (a FIFO, a device, a mount where
 * none belongs…): never opened, never followed, left in place and reported with why. The plan
 * announces the skip (`blockedBy`), so a dry run shows it.
 */
export type LeaveEntry = { action: 'leave-entry'; target: string; detail: { type: string; blockedBy: [string] } };
export type StopContainer = {
  action: 'stop-container';
  /** container id */ target: string;
  detail: ((PodRef & { container: string }) | OrphanRef) & { graceSeconds: number };
};
export type RemoveContainer = { action: 'remove-container'; target: string; detail: (PodRef & { container: string }) | OrphanRef };
/**
 * RemovePodSandbox: stops what still runs (SIGKILL), tears the network down, removes the pod's
 * `containers`. `sigkill`: the pod's shim (ours: its -address and -namespace) and the processes
 * under it, each SIGKILLed first if still the same process (pid + start time).
 */
export type RemoveSandbox = {
  action: 'remove-sandbox';
  /** sandbox id */ target: string;
  detail: PodRef & { containers?: string[]; sigkill?: { shimPid: number; processes: ProcRef[] } };
};
/** A shim and its process tree, identified by pid + start time. */
export type KillProcess = {
  action: 'kill-process';
  /** the shim's pid */ target: string;
  detail: { shimId: string; startTime: number; command: string; tree: ProcRef[]; graceSeconds: number };
};
/**
 * A container whose shim is gone (host/shimless.ts): every process its cgroup names, proven ours
 * by containerd's task bundle for it (`proof`: the bundle dir) or by the CRI listing it ('cri').
 */
export type KillContainer = {
  action: 'kill-container';
  /** container id */
  target: string;
  detail: {
    reason: 'shim gone';
    proof: string;
    sandboxId: string;
    container?: string;
    pod?: string;
    processes: ProcRef[];
    graceSeconds: number;
  };
};
export type Unmount = {
  action: 'unmount';
  /** mount point */ target: string;
  detail: { id: string; sandboxId: string; kind: 'rootfs' | 'shm' };
};
/** `blockedBy`: holders this run cannot end (not proven ours, or shim-gone without kill-shims); the file is then left in place. */
export type RemoveNetnsFile = {
  action: 'remove-netns';
  /** the netns file */
  target: string;
  detail: {
    inode: number;
    holders: { pid: number; command: string; ours: boolean }[];
    blockedBy?: string[];
    /** lstat as planned: re-checked right before the unmount and the unlink. */
    identity?: { type: string; dev: number; ino: number };
    /** A symlink: where it points (never followed: the link itself is removed). */
    symlink?: string;
  };
};
// ---- The rejoin kinds (agent/shared/kinds.ts) ----
export type DisableUnit = { action: 'disable-unit'; /** the unit */ target: string; detail: { state: string; error?: string } };
/** A kubelet volume mount, unmounted (not lazily) as often as it is stacked (`count`). */
export type UnmountVolume = {
  action: 'unmount-volume';
  /** mount point under the kubelet dir */
  target: string;
  detail: { fsType: string; source: string; count: number; podUid?: string; kubeletDir: string };
};
/** A kubelet pod dir, removed only when nothing is mounted at or under it. */
export type RemoveDir = {
  action: 'remove-dir';
  /** pods/<uid> */ target: string;
  detail: { podUid: string; mounts: number; kubeletDir: string };
};
/** A host-local reservation, released unless its container is alive again at run time. */
export type ReleaseIp = {
  action: 'release-ip';
  /** the reservation file */ target: string;
  detail: { ip: string; network: string; containerId: string; ifname?: string };
};
/** A libcni cache file of a dead sandbox (host/cni-cache.ts). */
export type RemoveCniCache = {
  action: 'remove-cni-cache';
  /** the cache file */ target: string;
  detail: { containerId: string; network: string; ifname: string; netns: string };
};
export type RemoveLink = {
  action: 'remove-link';
  /** the link name */ target: string;
  detail: { kind: string; pattern: string; addresses: string[]; up: boolean };
};
/** An empty cgroup of a pod or container the CRI no longer knows (cgroupfs driver): rmdir, children first, in every hierarchy. */
export type RemoveCgroup = {
  action: 'remove-cgroup';
  /** the cgroup's path in each hierarchy, e.g. /kubepods/besteffort/pod<uid> */
  target: string;
  detail: { podUid?: string; containerId?: string; dirs: string[]; processes: number };
};
/** A pod slice or container scope (systemd driver) of a pod the CRI no longer knows: stopped through systemd. */
export type StopCgroupUnit = {
  action: 'stop-cgroup-unit';
  /** the unit, e.g. kubepods-besteffort-pod<uid>.slice */
  target: string;
  detail: { cgroup: string; podUid?: string; containerId?: string; processes: number };
};
/** The full rule set of every iptables backend, into the backup, before any chain goes. */
export type BackupRules = { action: 'backup-rules'; target: 'iptables'; detail: { backends: string[] } };
export type RemoveChains = {
  action: 'remove-chains';
  /** backend/table, e.g. iptables-nft/nat */
  target: string;
  detail: { backend: string; table: string; chains: string[]; jumps: number; rulesInChains: number };
};
/** A whole native nftables table of a known owner (host/nftables.ts), removed after the backup. */
export type RemoveNftTable = {
  action: 'remove-nft-table';
  /** nft/FAMILY NAME, e.g. nft/ip kube-proxy */
  target: string;
  detail: { table: string; chains: string[] };
};

/** An entry of the etcd data dir, renamed into the dated backup dir inside it (never deleted). */
export type MoveAside = {
  action: 'move-aside';
  /** the entry */ target: string;
  detail: { dataDir: string; name: string; type: string; dev: number; ino: number };
};

export type Check =
  | { action: 'check'; target: 'ports'; detail: { ports: number[]; fromPods: number[] } }
  | { action: 'check'; target: 'pods'; detail: { scope: PodScope } }
  | { action: 'check'; target: 'shims' | 'netns' | 'manifests' | Exclude<CleanupKind, 'kubelet-unit'>; detail: Record<string, never> }
  | { action: 'check'; target: 'kubelet-unit'; detail: { unit: string } };

export type Action =
  | StopUnit
  | BackupFile
  | RemoveFile
  | LeaveEntry
  | StopContainer
  | RemoveContainer
  | RemoveSandbox
  | KillProcess
  | KillContainer
  | Unmount
  | RemoveNetnsFile
  | DisableUnit
  | UnmountVolume
  | RemoveDir
  | ReleaseIp
  | RemoveCniCache
  | RemoveLink
  | BackupRules
  | RemoveChains
  | MoveAside
  | RemoveNftTable
  | RemoveCgroup
  | StopCgroupUnit
  | Check;
export type ActionKind = Action['action'];

/** An action as it stands in the plan: with the step it belongs to. */
export type Planned<A extends Action = Action> = { step: string } & A;

/** The actions of the given kinds, typed: how a runner reads its planned actions. */
export function actionsOf<K extends ActionKind>(actions: readonly Planned[], ...kinds: K[]): Planned<Extract<Action, { action: K }>>[] {
  return actions.filter((a): a is Planned<Extract<Action, { action: K }>> => (kinds as string[]).includes(a.action));
}
