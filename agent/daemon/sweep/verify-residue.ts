// verify for the rejoin kinds: looks again at the node after the steps ran and reports what a
// rejoin would still trip over, each item with why. An enabled kubelet unit is reported even
// when kubelet-unit was not asked for: it comes back at boot and re-registers the node.
import type { CriClient } from '../cri/client';
import { findCniConfFiles } from '../host/cni-config';
import { scanCniCache } from '../host/cni-cache';
import { scanReservations, staleReservations } from '../host/ipam';
import type { CleanupKind } from '../../shared/kinds';
import { criKnownSandboxIds, isFailed, liveSandboxIds, readFirewallResidue, readKubeletResidue, readLinksResidue, readNodeResidue, ResidueDeps } from './residue';
import type { Residue, SweepConfig } from './types';

export type ResidueCheck = CleanupKind;

export async function residueLeft(config: SweepConfig, checks: ReadonlySet<ResidueCheck>, cri: CriClient, deps: ResidueDeps = {}): Promise<Residue[]> {
  const out: Residue[] = [];
  const cant = (kind: Residue['kind'], target: string, err: unknown) => out.push({ kind, target, why: `could not be checked: ${(err as Error).message}` });
  if (checks.has('kubelet-mounts')) {
    try {
      const k = readKubeletResidue(config);
      for (const m of k.mounts) out.push({ kind: 'kubelet-mount', target: m.mountPoint, why: `${m.fsType} from ${m.source} still mounted under the kubelet dir${m.podUid ? ` (pod ${m.podUid})` : ''}` });
      for (const d of k.podDirs) out.push({ kind: 'kubelet-mount', target: d, why: 'pod dir still present under the kubelet dir' });
    } catch (err) {
      cant('kubelet-mount', config.kubeletDir, err);
    }
  }
  if (checks.has('ipam')) {
    const scan = scanReservations(config.cniIpamDirs);
    const live = await liveSandboxIds(config, cri);
    for (const r of staleReservations(scan.reservations, live.ids)) {
      out.push({ kind: 'ipam', target: r.path, why: `${r.ip} on network ${r.network} still reserved for ${r.containerId.slice(0, 12)}, which is not a live sandbox${live.criError ? ' (the CRI is unreachable: only live shims counted)' : ''}` });
    }
  }
  if (checks.has('cni-cache') && config.cniCacheDir !== '') {
    // Files of sandboxes the CRI still knows are its to clear at their DEL (with the CRI down, the
    // sandboxes themselves are reported).
    const scan = scanCniCache(config.cniCacheDir, config.netnsDirs);
    const known = await criKnownSandboxIds(config, cri);
    if (!('criError' in known)) {
      for (const e of scan.entries.filter((x) => !known.ids.has(x.containerId))) {
        out.push({ kind: 'cni-cache', target: e.path, why: `libcni still caches network ${e.network} (${e.ifname}) of sandbox ${e.containerId.slice(0, 12)}, which no longer exists` });
      }
    }
  }
  if (checks.has('cni-config') && config.cniConfDir !== '') {
    for (const f of findCniConfFiles(config.cniConfDir, config.cniConfPatterns)) out.push({ kind: 'cni-config', target: f.path, why: `CNI config matching ${f.pattern} still present (containerd loads the first file of ${config.cniConfDir})` });
  }
  // No patterns: no link is ever touched, so there is nothing to check (and no need for `ip`).
  if (checks.has('links') && config.linkPatterns.length > 0) {
    try {
      const l = await readLinksResidue(config, deps.netExec);
      for (const m of l.matched) out.push({ kind: 'link', target: m.name, why: `${m.kind || 'link'} matching ${m.pattern} still present${m.up ? ', up' : ''}${m.addresses.length ? ` with ${m.addresses.map((a) => a.cidr).join(', ')}` : ''}` });
    } catch (err) {
      cant('link', 'links', err);
    }
  }
  if (checks.has('firewall')) {
    try {
      const f = await readFirewallResidue(config, deps.netExec);
      for (const c of f.cleanups)
        for (const t of c.tables) out.push({ kind: 'firewall', target: `${c.backend}/${t.table}`, why: `${t.chains.length} Kubernetes/CNI chain(s) left: ${t.chains.slice(0, 8).join(', ')}${t.chains.length > 8 ? ' …' : ''}` });
    } catch (err) {
      cant('firewall', 'iptables', err);
    }
  }
  if (checks.has('kubelet-unit')) {
    const u = (await readNodeResidue(config, new Set(['kubelet-unit-state'] as const), deps)).kubeletUnit;
    if (isFailed(u)) out.push({ kind: 'kubelet-unit', target: config.kubeletUnit, why: `could not be checked: ${u.error}` });
    else if (u?.state === 'enabled') out.push({ kind: 'kubelet-unit', target: config.kubeletUnit, why: `${config.kubeletUnit} is ${u.unitFileState}: it starts at boot and re-registers the node (reset --with kubelet-unit disables it)` });
  }
  return out;
}
