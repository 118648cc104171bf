// Looking at what a rejoin trips over beyond pods: CNI/kube-proxy links, host-local IPAM
// reservations, libcni's cache of dead sandboxes, kubelet volume mounts and pod dirs, CNI config files, Kubernetes firewall chains
// and the kubelet unit's enablement. Read-only; each part is read only when asked for, and a part
// that cannot be read carries its error instead of failing the whole look.
import type { CriClient } from '../cri/client';
import type { CniConfFile } from '../host/cni-config';
import { findCniConfFiles } from '../host/cni-config';
import { Exec, runCommand } from '../host/exec';
import { planCleanup, saveAll, SavedRuleset, TableCleanup } from '../host/firewall';
import { CniCacheScan, scanCniCache } from '../host/cni-cache';
import { IpamScan, scanReservations } from '../host/ipam';
import { KubeletMount, kubeletMounts, listPodDirs, resolveKubeletDir } from '../host/kubelet-mounts';
import { isInertFallback, LinkInfo, matchLinks, MatchedLink, readLinks } from '../host/links';
import { readMountinfo } from '../host/mountinfo';
import { listProcesses } from '../host/proc';
import { systemdRunning, UnitEnablement, unitEnablement } from '../host/systemctl';
import type { CleanupKind } from '../../shared/kinds';
import { findShims } from './discover';
import type { SweepConfig } from './types';

export type Failed = { error: string };

export interface LinksResidue {
  /** Matching links a rejoin could trip over. */
  matched: MatchedLink[];
  /** Matching kernel fallback devices that are already down and addressless: left, not residue. */
  inert: MatchedLink[];
  all: LinkInfo[];
}

export interface KubeletResidue {
  /** The kubelet dir as mountinfo names it. */
  dir: string;
  mounts: KubeletMount[];
  podDirs: string[];
}

export interface FirewallResidue {
  rulesets: SavedRuleset[];
  /** Per backend: what planCleanup would remove. */
  cleanups: { backend: string; tables: TableCleanup[] }[];
}

export interface NodeResidue {
  links?: LinksResidue | Failed;
  ipam?: IpamScan;
  cniCache?: CniCacheScan;
  kubelet?: KubeletResidue | Failed;
  cniConfig?: CniConfFile[];
  firewall?: FirewallResidue | Failed;
  kubeletUnit?: UnitEnablement | Failed;
}

export interface ResidueDeps {
  /** Runs iproute2 and iptables tools (tests point it into a private netns). */
  netExec?: Exec;
  /** systemd's runtime dir and systemctl binary (tests point them at fixtures). */
  systemdRunDir?: string;
  systemctl?: string;
}

export function isFailed<T extends object>(x: T | Failed | undefined): x is Failed {
  return x !== undefined && 'error' in x;
}

export async function readLinksResidue(config: SweepConfig, exec: Exec = runCommand): Promise<LinksResidue> {
  const all = await readLinks(exec);
  const matched = matchLinks(all, config.linkPatterns);
  return { all, matched: matched.filter((l) => !isInertFallback(l)), inert: matched.filter(isInertFallback) };
}

export function readKubeletResidue(config: SweepConfig): KubeletResidue {
  const dir = resolveKubeletDir(config.kubeletDir);
  return { dir, mounts: kubeletMounts(readMountinfo(config.procRoot), dir), podDirs: listPodDirs(dir) };
}

export async function readFirewallResidue(config: SweepConfig, exec: Exec = runCommand): Promise<FirewallResidue> {
  const rulesets = await saveAll(exec);
  return { rulesets, cleanups: rulesets.map((r) => ({ backend: r.backend.name, tables: planCleanup(r.tables, config.firewallPrefixes) })).filter((c) => c.tables.length > 0) };
}

const failed = (err: unknown): Failed => ({ error: (err as Error).message });

/** Read the parts of `kinds` (kubelet-unit is always read when a unit is configured: verify reports an enabled one). */
export async function readNodeResidue(config: SweepConfig, kinds: ReadonlySet<CleanupKind | 'kubelet-unit-state'>, deps: ResidueDeps = {}): Promise<NodeResidue> {
  const out: NodeResidue = {};
  const exec = deps.netExec ?? runCommand;
  if (kinds.has('links') && config.linkPatterns.length > 0) out.links = await readLinksResidue(config, exec).catch(failed);
  if (kinds.has('ipam')) out.ipam = scanReservations(config.cniIpamDirs);
  if (kinds.has('cni-cache')) out.cniCache = scanCniCache(config.cniCacheDir, config.netnsDirs);
  if (kinds.has('kubelet-mounts')) {
    try {
      out.kubelet = readKubeletResidue(config);
    } catch (err) {
      out.kubelet = failed(err);
    }
  }
  if (kinds.has('cni-config') && config.cniConfDir !== '') out.cniConfig = findCniConfFiles(config.cniConfDir, config.cniConfPatterns);
  if (kinds.has('firewall')) out.firewall = await readFirewallResidue(config, exec).catch(failed);
  if ((kinds.has('kubelet-unit') || kinds.has('kubelet-unit-state')) && config.kubeletUnit !== '' && systemdRunning(deps.systemdRunDir)) {
    out.kubeletUnit = await unitEnablement(config.kubeletUnit, { runDir: deps.systemdRunDir, systemctl: deps.systemctl }).catch(failed);
  }
  return out;
}

/** The sandboxes a live shim of ours runs, and the CRI's sandboxes with their states (or why it cannot be asked). */
async function sandboxesNow(config: SweepConfig, cri: CriClient): Promise<{ shimIds: string[]; sandboxes: { id: string; state: string }[]; criError?: string }> {
  const shimIds = findShims(listProcesses(config.procRoot), { address: config.containerdAddress, namespace: config.containerdNamespace }).map((s) => s.id);
  try {
    return { shimIds, sandboxes: await cri.listPodSandbox(undefined, { timeoutMs: Math.min(config.criTimeoutMs, 15_000) }) };
  } catch (err) {
    return { shimIds, sandboxes: [], criError: (err as Error).message };
  }
}

/**
 * Sandboxes containerd may still tear down: every one the CRI lists (in any state: a NOTREADY
 * sandbox's CNI DEL runs when it is removed, and reads libcni's cache), plus every sandbox a live
 * shim of ours runs. With the CRI unreachable that cannot be known: criError instead.
 */
export async function criKnownSandboxIds(config: SweepConfig, cri: CriClient): Promise<{ ids: Set<string> } | { criError: string }> {
  const now = await sandboxesNow(config, cri);
  if (now.criError !== undefined) return { criError: now.criError };
  return { ids: new Set([...now.shimIds, ...now.sandboxes.map((s) => s.id)]) };
}

/** Sandboxes alive now: READY in the CRI, plus every sandbox a live shim of ours runs. */
export async function liveSandboxIds(config: SweepConfig, cri: CriClient): Promise<{ ids: Set<string>; criError?: string }> {
  const now = await sandboxesNow(config, cri);
  const ids = new Set([...now.shimIds, ...now.sandboxes.filter((s) => s.state === 'SANDBOX_READY').map((s) => s.id)]);
  return now.criError !== undefined ? { ids, criError: now.criError } : { ids };
}
