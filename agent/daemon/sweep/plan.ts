// The plan is data: built from one look at the node, it lists every action the run will take,
// in order. A dry run returns it; a real run executes exactly it. Building it also enforces
// scope: a path to delete that resolves outside the configured dirs refuses the whole run
// before anything is touched.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveInside } from '../host/paths';
import type { ContainerMount, NetnsEntry, ShimProc } from './discover';
import { inScope } from './pod-kind';
import type { ContainerInfo, ManifestInfo, Plan, PlannedAction, PlannedStep, PodScope, SandboxInfo, StepName, SweepConfig } from './types';

export const ALL_STEPS: readonly StepName[] = ['stop-kubelet', 'backup-manifests', 'remove-pods', 'kill-shims', 'remove-netns', 'verify'];
/** A required step failing stops the run: without the kubelet stopped static pods come back;
 *  without a complete backup, manifests must not be deleted. */
export const REQUIRED_STEPS: ReadonlySet<StepName> = new Set(['stop-kubelet', 'backup-manifests']);

export interface NodeSnapshot {
  takenAt: Date;
  pods: { sandboxes: SandboxInfo[]; containers: ContainerInfo[] } | { error: string };
  shims: ShimProc[];
  netns: NetnsEntry[];
  containerMounts: ContainerMount[];
  manifests: ManifestInfo[];
  systemd: boolean;
  /** Host-netns ports that processes of in-scope pods listen on right now. */
  podPorts: number[];
}

export interface PlanInput {
  config: SweepConfig;
  node: string;
  dryRun: boolean;
  scope: PodScope;
  graceSeconds: number;
  steps: readonly StepName[];
  expectFreePorts: readonly number[];
  snapshot: NodeSnapshot;
}

/** The sandboxes in scope, pods with their own netns first, then host-network ones. */
export function orderSandboxes(sandboxes: readonly SandboxInfo[], scope: PodScope): SandboxInfo[] {
  const picked = sandboxes.filter((s) => inScope(s.kind, scope));
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

function inIds(ids: Set<string> | 'all', id: string): boolean {
  return ids === 'all' || ids.has(id);
}

export function buildPlan(input: PlanInput): Plan {
  const { config, snapshot, scope } = input;
  const steps: PlannedStep[] = [];
  const want = new Set(input.steps);
  const ids = scopedSandboxIds(snapshot, scope);
  for (const name of ALL_STEPS) {
    if (!want.has(name)) continue;
    const actions: PlannedAction[] = [];
    let note: string | undefined;
    const add = (action: string, target: string, detail?: Record<string, unknown>) => actions.push({ step: name, action, target, ...(detail ? { detail } : {}) });
    switch (name) {
      case 'stop-kubelet':
        if (config.kubeletUnit === '') note = 'no kubelet unit configured';
        else if (!snapshot.systemd) note = 'systemd is not running on this node: nothing to stop';
        else add('stop-unit', config.kubeletUnit);
        break;
      case 'backup-manifests':
        if (snapshot.manifests.length === 0) note = `no manifests in ${config.manifestsDir}`;
        for (const m of snapshot.manifests) add('backup-file', `${config.manifestsDir}/${m.name}`, { name: m.name, size: m.size, sha256: m.sha256 });
        for (const m of snapshot.manifests) {
          const p = `${config.manifestsDir}/${m.name}`;
          resolveInside(p, [config.manifestsDir], 'manifest');
          add('remove-file', p, { name: m.name, sha256: m.sha256 });
        }
        break;
      case 'remove-pods': {
        if ('error' in snapshot.pods) {
          note = `CRI unreachable, pods are left to kill-shims: ${snapshot.pods.error}`;
          break;
        }
        const { sandboxes, containers } = snapshot.pods;
        const ordered = orderSandboxes(sandboxes, scope);
        for (const sb of ordered) {
          const pod = { sandboxId: sb.id, pod: `${sb.namespace}/${sb.name}`, kind: sb.kind, hostNetwork: sb.hostNetwork };
          const own = containers.filter((c) => c.sandboxId === sb.id);
          if (input.graceSeconds > 0) {
            for (const c of own) {
              add('stop-container', c.id, { ...pod, container: c.name, graceSeconds: input.graceSeconds });
              add('remove-container', c.id, { ...pod, container: c.name });
            }
          }
          // With no grace period a container stop is a SIGKILL, which StopPodSandbox sends to
          // every container of the pod anyway, and RemovePodSandbox removes them: one call
          // each instead of two per container (containerd is the bottleneck, not us).
          const withContainers = input.graceSeconds > 0 ? pod : { ...pod, containers: own.map((c) => c.id) };
          add('stop-sandbox', sb.id, withContainers);
          add('remove-sandbox', sb.id, withContainers);
        }
        if (scope === 'all') {
          for (const c of containers.filter((c) => c.orphan)) {
            const d = { sandboxId: c.sandboxId, container: c.name, orphan: true };
            add('stop-container', c.id, { ...d, graceSeconds: input.graceSeconds });
            add('remove-container', c.id, d);
          }
        } else if (containers.some((c) => c.orphan)) {
          note = 'containers whose sandbox is gone are only removed with scope all (their pod kind is unknown)';
        }
        if (ordered.length === 0 && !note) note = 'no pods in scope';
        break;
      }
      case 'kill-shims': {
        if (scope !== 'all' && 'error' in snapshot.pods) {
          note = 'scope is restricted but the CRI is unreachable: pod kinds of the shims cannot be told, none is killed';
          break;
        }
        const shims = snapshot.shims.filter((s) => inIds(ids, s.id));
        for (const s of shims) {
          add('kill-process', String(s.pid), {
            shimId: s.id,
            startTime: s.startTime,
            command: s.command,
            tree: s.tree.map((p) => ({ pid: p.pid, startTime: p.startTime, command: p.command })),
            graceSeconds: input.graceSeconds,
          });
        }
        for (const m of snapshot.containerMounts.filter((m) => inIds(ids, m.sandboxId))) {
          if (!existsSync(path.dirname(m.mountPoint))) continue; // unmounted and removed since we looked
          resolveInside(m.mountPoint, config.containerdDirs, 'mount point');
          add('unmount', m.mountPoint, { id: m.id, sandboxId: m.sandboxId, kind: m.kind });
        }
        if (actions.length === 0) note = 'no shims of this containerd';
        break;
      }
      case 'remove-netns':
        for (const n of snapshot.netns) {
          resolveInside(n.path, config.netnsDirs, 'netns file');
          const foreign = n.holders.filter((h) => !h.ours);
          add('remove-netns', n.path, {
            inode: n.inode,
            holders: n.holders.map((h) => ({ pid: h.pid, command: h.command, ours: h.ours })),
            ...(foreign.length ? { blockedBy: foreign.map((h) => `pid ${h.pid} (${h.command})`) } : {}),
          });
        }
        if (actions.length === 0) note = `no CNI netns in ${config.netnsDirs.join(', ')}`;
        break;
      case 'verify': {
        const ports = [...new Set([...input.expectFreePorts, ...snapshot.podPorts])].sort((a, b) => a - b);
        add('check', 'ports', { ports, fromPods: snapshot.podPorts });
        add('check', 'pods', { scope });
        add('check', 'shims', {});
        if (want.has('remove-netns')) add('check', 'netns', {});
        if (want.has('backup-manifests')) add('check', 'manifests', {});
        break;
      }
    }
    steps.push({ name, required: REQUIRED_STEPS.has(name), actions, ...(note ? { note } : {}) });
  }
  return {
    node: input.node,
    createdAt: snapshot.takenAt.toISOString(),
    dryRun: input.dryRun,
    scope,
    graceSeconds: input.graceSeconds,
    steps,
  };
}
