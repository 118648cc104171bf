// One read-only look at the node, taken before a run: every step plans from it, so the plan
// (and a dry run) shows exactly what the run will act on.
import type { OddEntry } from '../host/paths';
import type { ShimlessContainer } from '../host/shimless';
import type { ContainerMount, NetnsEntry, ShimProc } from './discover';
import { inScope } from './pod-kind';
import type { NodeResidue } from './residue';
import type { ContainerInfo, ManifestInfo, PodScope, SandboxInfo } from './types';

export interface NodeSnapshot {
  takenAt: Date;
  pods: { sandboxes: SandboxInfo[]; containers: ContainerInfo[] } | { error: string };
  shims: ShimProc[];
  netns: NetnsEntry[];
  containerMounts: ContainerMount[];
  manifests: (ManifestInfo & { link?: string })[];
  /** Manifests dir entries that are no manifest and stay (a mount, a FIFO…): planned as leave-entry. */
  manifestsOdd?: OddEntry[];
  systemd: boolean;
  /** Host-netns ports that processes of in-scope pods listen on right now. */
  podPorts: number[];
  /** Processes of this containerd's containers with no live shim (proven by cgroup + task bundle or CRI). */
  shimless: ShimlessContainer[];
  /** Links, IPAM reservations, kubelet mounts, CNI config, firewall chains, kubelet unit: the parts this run's kinds need. */
  residue?: NodeResidue;
}

/** CRI creation times are nanoseconds as decimal strings: compared by length, then text. */
export function byCreation(a: { createdAt: string }, b: { createdAt: string }): number {
  return a.createdAt.length - b.createdAt.length || (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0);
}

/** The sandboxes in scope, pods with their own netns first, then host-network ones. */
export function orderSandboxes(sandboxes: readonly SandboxInfo[], scope: PodScope): SandboxInfo[] {
  // Oldest first, whatever order the CRI lists them in (containerd's store is a map): two looks
  // at the same node make the same plan.
  const picked = sandboxes.filter((s) => inScope(s.kind, scope)).sort(byCreation);
  // Pod-netns sandboxes go first: their CNI teardown (in StopPodSandbox) may need the
  // host-network pods (calico-node, kube-proxy) still running to release IPs and routes.
  return [...picked.filter((s) => !s.hostNetwork), ...picked.filter((s) => s.hostNetwork)];
}

/** Ids of in-scope sandboxes; 'all' when every sandbox (and orphan) is in scope. */
export function scopedSandboxIds(snapshot: NodeSnapshot, scope: PodScope): Set<string> | 'all' {
  if (scope === 'all') return 'all';
  if ('error' in snapshot.pods) return new Set();
  return new Set(snapshot.pods.sandboxes.filter((s) => inScope(s.kind, scope)).map((s) => s.id));
}

export function inIds(ids: Set<string> | 'all', id: string): boolean {
  return ids === 'all' || ids.has(id);
}
