// The verify step's and the standalone Verify's core checks: is the node clean? Each remaining item comes with why.
import type { CriClient } from '../cri/client';
import { listProcesses } from '../host/proc';
import { describeListener } from '../../shared/describe';
import { findShimlessContainers } from '../host/shimless';
import type { PortCheck } from '../ports/types';
import { scanManifestsDir } from './backup';
import { findNetns, findShims, listPods, ownershipIndex, type NetnsHolder } from './discover';
import { inScope } from './pod-kind';
import { unprovenOwnershipHint } from '../runtime/ownership-hint';
import type { PodScope, Residue, SweepConfig, Verification } from './types';

export interface VerifyInput {
  config: SweepConfig;
  cri: CriClient;
  checkPorts: (ports: readonly number[]) => Promise<PortCheck>;
  ports: readonly number[];
  scope: PodScope;
  /** Sandbox ids in scope when scope is restricted (kinds of vanished pods are unknown). */
  checks: { pods: boolean; shims: boolean; netns: boolean; manifests: boolean };
}

export async function verifyNode(v: VerifyInput): Promise<Verification> {
  const residue: Residue[] = [];
  const { config } = v;
  const checkedPorts = [...new Set(v.ports)].sort((a, b) => a - b);
  const hintQuery = { procRoot: config.procRoot, containerdDirs: config.containerdDirs, namespace: config.containerdNamespace };
  if (checkedPorts.length) {
    try {
      const pc = await v.checkPorts(checkedPorts);
      for (const p of pc.ports.filter((p) => p.held)) {
        const hints = [
          ...new Set(
            p.listeners.flatMap((l) =>
              l.owners.filter((o) => !o.residue && o.pod === undefined).map((o) => unprovenOwnershipHint(o.pid, hintQuery)),
            ),
          ),
        ].filter((h) => h !== undefined);
        residue.push({
          kind: 'port',
          target: String(p.port),
          why: `${p.listeners.map(describeListener).join('; ') || 'held'}${hints.map((h) => ` (${h})`).join('')}`,
          listeners: p.listeners,
        });
      }
    } catch (err) {
      residue.push({ kind: 'port', target: checkedPorts.join(','), why: `ports could not be checked: ${(err as Error).message}` });
    }
  }
  let sandboxIds: Set<string> | undefined;
  /** Pods the CRI still runs that the scope excludes: their shims and netns are not residue. */
  const outOfScope = new Set<string>();
  if (v.checks.pods) {
    try {
      const { sandboxes, containers } = await listPods(v.cri, config.criTimeoutMs, config.parallelism);
      const picked = sandboxes.filter((s) => inScope(s.kind, v.scope));
      sandboxIds = new Set(picked.map((s) => s.id));
      for (const s of sandboxes) if (!sandboxIds.has(s.id)) outOfScope.add(s.id);
      for (const s of picked)
        residue.push({ kind: 'sandbox', target: s.id, why: `${s.kind} pod ${s.namespace}/${s.name} still known to the CRI (${s.state})` });
      for (const c of containers.filter((c) => sandboxIds!.has(c.sandboxId) || (v.scope === 'all' && c.orphan))) {
        residue.push({
          kind: 'container',
          target: c.id,
          why: `container ${c.name} of ${c.podNamespace}/${c.podName} still known to the CRI (${c.state})${c.orphan ? ', its sandbox is gone' : ''}`,
        });
      }
    } catch (err) {
      residue.push({
        kind: 'sandbox',
        target: config.criEndpoint,
        why: `the CRI is unreachable, remaining sandboxes and containers could not be listed: ${(err as Error).message}`,
      });
    }
  }
  const procs = v.checks.shims || v.checks.netns ? listProcesses(config.procRoot) : [];
  const shims = findShims(procs, { address: config.containerdAddress, namespace: config.containerdNamespace });
  const owned = ownershipIndex(shims);
  const shimless =
    v.checks.shims || v.checks.netns
      ? findShimlessContainers(procs, {
          procRoot: config.procRoot,
          containerdDirs: config.containerdDirs,
          namespace: config.containerdNamespace,
          shimOwned: new Set(owned.keys()),
        })
      : [];
  if (v.checks.shims) {
    for (const s of shims) {
      // Scoped: shims of pods the scope excludes are expected; without the CRI their kind is unknown.
      if (v.scope !== 'all' && (!sandboxIds || outOfScope.has(s.id))) continue;
      residue.push({
        kind: 'shim',
        target: String(s.pid),
        why: `shim ${s.id} of ${s.address} (${s.binary}) still running with ${s.tree.length} descendant(s)`,
      });
    }
    for (const c of shimless) {
      const sb = c.facts.sandboxId ?? c.containerId;
      if (v.scope !== 'all' && (!sandboxIds || !sandboxIds.has(sb))) continue;
      const who = `${c.facts.containerName ? `container ${c.facts.containerName}` : `container ${c.containerId.slice(0, 13)}`}${c.facts.podName ? ` of pod ${c.facts.podNamespace ?? ''}/${c.facts.podName}` : ''}`;
      residue.push({
        kind: 'container',
        target: c.containerId,
        why: `${who} still runs with no shim (shim gone): ${c.processes.map((p) => `pid ${p.pid} (${p.command})`).join(', ')}`,
      });
    }
  }
  if (v.checks.netns) {
    for (const n of findNetns(config.netnsDirs, procs, owned, config.procRoot, shimless)) {
      if (v.scope !== 'all' && n.holders.length > 0 && n.holders.every((h) => h.ours && h.shimId !== undefined && outOfScope.has(h.shimId)))
        continue;
      const who = (h: NetnsHolder) =>
        h.shimGone
          ? ' [of this containerd, shim gone]'
          : h.ours
            ? ''
            : ` [not a process of this containerd${((x) => (x ? `: ${x}` : ''))(unprovenOwnershipHint(h.pid, hintQuery))}]`;
      const held = n.holders.length
        ? `held by ${n.holders.map((h) => `pid ${h.pid} (${h.command})${who(h)}`).join(', ')}`
        : 'no process lives in it';
      residue.push({
        kind: 'netns',
        target: n.path,
        why: n.odd ?? (n.symlink !== undefined ? `a symlink (to ${n.symlink}) in the netns dir` : `CNI netns still present: ${held}`),
      });
    }
  }
  if (v.checks.manifests) {
    const { manifests, odd } = scanManifestsDir(config.manifestsDir, config.procRoot);
    for (const m of manifests) {
      residue.push({
        kind: 'manifest',
        target: `${config.manifestsDir}/${m.name}`,
        why: 'static manifest still in the manifests dir (the kubelet would start it again)',
      });
    }
    for (const o of odd) residue.push({ kind: 'manifest', target: o.path, why: o.why });
  }
  return { verdict: residue.length ? 'residue' : 'clean', residue, checkedPorts };
}
