// Engine documents → kubesweep.v1 messages, the only place the two meet. Every converter is a
// Converter<Doc, Msg>: it must fill every field of the generated message (Complete), and the
// message must have a field for every field of the engine's document — so a field added on
// either side and not the other fails to compile. The few places the message is not the
// document: scope 'all' is an empty list, plan details are JSON texts, durations are whole
// milliseconds. HTTP /ports renders these same messages (shared/api-doc.ts), so the HTTP JSON
// and what a gRPC client decodes cannot differ.
import type { Complete, Msg } from '../../shared/api-types';
import type { Listener, NetnsRef, PodRef, PortCheck, PortCheckResult, PortOwner, PortReport } from '../ports/types';
import type {
  ActionResult,
  BackupInfo,
  CniConfigFileInfo,
  ContainerInfo,
  FirewallTableInfo,
  PodCgroupInfo,
  Inventory,
  CniCacheFileInfo,
  IpReservationInfo,
  KubeletMountInfo,
  LinkInfo,
  ManifestInfo,
  NetnsInfo,
  Plan,
  PlannedAction,
  PlannedStep,
  ProcessRef,
  ProgressEvent,
  ResetReport,
  Residue,
  RestoreResult,
  SandboxInfo,
  ShimInfo,
  StepResult,
  Verification,
} from '../sweep/types';
import type { NodeFactsView } from './engine';

/**
 * D → M, checked both ways: the result fills every field of M, and M has a field for every
 * field of D (otherwise the type is an error that names the engine's fields the proto lacks).
 */
type Converter<D, M> = [Exclude<keyof D, keyof M>] extends [never] ? (doc: D) => Complete<M> : { protoLacks: Exclude<keyof D, keyof M> };

const ms = (n: number | undefined): number =>
  typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), 0xffffffff) : 0;

// ---- Reset ---------------------------------------------------------------------------------

const plannedActionMsg: Converter<PlannedAction, Msg<'PlannedAction'>> = (a) => ({
  step: a.step,
  action: a.action,
  target: a.target,
  detail: Object.fromEntries(Object.entries('detail' in a ? a.detail : {}).map(([k, v]) => [k, JSON.stringify(v) ?? 'null'])),
});

const plannedStepMsg: Converter<PlannedStep, Msg<'PlannedStep'>> = (s) => ({
  name: s.name,
  required: s.required,
  actions: s.actions.map(plannedActionMsg),
  note: s.note,
});

export const planMsg: Converter<Plan, Msg<'Plan'>> = (p) => ({
  node: p.node,
  createdAt: p.createdAt,
  dryRun: p.dryRun,
  scope: p.scope === 'all' ? [] : [...p.scope],
  graceSeconds: p.graceSeconds,
  steps: p.steps.map(plannedStepMsg),
});

const actionResultMsg: Converter<ActionResult, Msg<'ActionResult'>> = (i) => ({
  action: i.action,
  target: i.target,
  outcome: i.outcome,
  message: i.message,
  durationMs: ms(i.durationMs),
});

const stepResultMsg: Converter<StepResult, Msg<'StepResult'>> = (s) => ({
  name: s.name,
  status: s.status,
  reason: s.reason,
  found: s.found,
  done: s.done,
  skipped: s.skipped,
  failed: s.failed,
  items: s.items.map(actionResultMsg),
  durationMs: ms(s.durationMs),
});

const residueMsg: Converter<Residue, Msg<'Residue'>> = (x) => ({
  kind: x.kind,
  target: x.target,
  why: x.why,
  listeners: (x.listeners ?? []).map(listenerMsg),
});

const verificationMsg: Converter<Verification, Msg<'Verification'>> = (v) => ({
  verdict: v.verdict,
  residue: v.residue.map(residueMsg),
  checkedPorts: [...v.checkedPorts],
});

export const reportMsg: Converter<ResetReport, Msg<'ResetReport'>> = (r) => ({
  runId: r.runId,
  node: r.node,
  requestedBy: r.requestedBy,
  dryRun: r.dryRun,
  plan: planMsg(r.plan),
  steps: r.steps.map(stepResultMsg),
  verification: r.verification ? verificationMsg(r.verification) : null,
  backupId: r.backupId,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
  durationMs: ms(r.durationMs),
  aborted: r.aborted,
});

export const progressMsg: Converter<ProgressEvent, Msg<'Progress'>> = (e) => {
  const none = { action: '', target: '', outcome: '', message: '', planned: 0, status: '', durationMs: 0 };
  switch (e.type) {
    case 'step-started':
      return { ...none, type: e.type, step: e.step, planned: e.planned };
    case 'item-done':
      return { ...none, type: e.type, step: e.step, action: e.action, target: e.target, outcome: e.outcome, message: e.message ?? '' };
    case 'item-failed':
      return { ...none, type: e.type, step: e.step, action: e.action, target: e.target, outcome: 'failed', message: e.message };
    case 'step-finished':
      return { ...none, type: e.type, step: e.step, status: e.status, durationMs: ms(e.durationMs) };
  }
};

export const restoreMsg: Converter<RestoreResult, Msg<'RestoreManifestsResponse'>> = (r) => ({
  backupId: r.backupId,
  restored: [...r.restored],
  unchanged: [...r.unchanged],
});

// ---- Ports ---------------------------------------------------------------------------------

const podRefMsg: Converter<PodRef, Msg<'PodRef'>> = (p) => ({
  name: p.name,
  namespace: p.namespace,
  uid: p.uid,
  kind: p.kind,
  hostNetwork: p.hostNetwork,
  sandboxId: p.sandboxId,
});

const portOwnerMsg: Converter<PortOwner, Msg<'PortOwner'>> = (o) => ({
  pid: o.pid,
  command: o.command,
  containerId: o.containerId,
  containerName: o.containerName,
  pod: o.pod ? podRefMsg(o.pod) : null,
  podUid: o.podUid,
  residue: o.residue,
  residueReason: o.residueReason,
  podName: o.podName,
  podNamespace: o.podNamespace,
  sandboxId: o.sandboxId,
  shimPid: o.shimPid,
  shimAddress: o.shimAddress,
});

const netnsRefMsg: Converter<NetnsRef, Msg<'NetnsRef'>> = (n) => ({
  inode: n.inode,
  name: n.name,
  host: n.host,
  memberPid: n.memberPid,
  unread: n.unread,
});

export const listenerMsg: Converter<Listener, Msg<'Listener'>> = (l) => ({
  protocol: l.protocol,
  family: l.family,
  address: l.address,
  port: l.port,
  inode: l.inode,
  netns: netnsRefMsg(l.netns),
  owners: l.owners.map(portOwnerMsg),
});

export const portReportMsg: Converter<PortReport, Msg<'ListPortsResponse'>> = (r) => ({
  listeners: r.listeners.map(listenerMsg),
  malformedLines: r.malformedLines,
  netnsScanned: r.netnsScanned.map(netnsRefMsg),
  generatedAt: r.generatedAt,
  criError: r.criError,
});

const portCheckResultMsg: Converter<PortCheckResult, Msg<'PortCheckResult'>> = (p) => ({
  port: p.port,
  held: p.held,
  listeners: p.listeners.map(listenerMsg),
});

export const portCheckMsg: Converter<PortCheck, Msg<'CheckPortsResponse'>> = (c) => ({
  allFree: c.allFree,
  ports: c.ports.map(portCheckResultMsg),
});

// ---- Inspect and Info ----------------------------------------------------------------------

const processRefMsg: Converter<ProcessRef, Msg<'ProcessRef'>> = (p) => ({ pid: p.pid, command: p.command, ours: p.ours });

const sandboxMsg: Converter<SandboxInfo, Msg<'SandboxInfo'>> = (s) => ({
  id: s.id,
  name: s.name,
  namespace: s.namespace,
  uid: s.uid,
  kind: s.kind,
  hostNetwork: s.hostNetwork,
  state: s.state,
  createdAt: s.createdAt,
});

const containerMsg: Converter<ContainerInfo, Msg<'ContainerInfo'>> = (c) => ({
  id: c.id,
  name: c.name,
  sandboxId: c.sandboxId,
  state: c.state,
  podName: c.podName,
  podNamespace: c.podNamespace,
  orphan: c.orphan,
});

const shimMsg: Converter<ShimInfo, Msg<'ShimInfo'>> = (s) => ({
  pid: s.pid,
  id: s.id,
  namespace: s.namespace,
  address: s.address,
  binary: s.binary,
  children: s.children.map(processRefMsg),
});

const netnsInfoMsg: Converter<NetnsInfo, Msg<'NetnsInfo'>> = (n) => ({
  path: n.path,
  name: n.name,
  inode: n.inode,
  holders: n.holders.map(processRefMsg),
});

const manifestMsg: Converter<ManifestInfo, Msg<'ManifestInfo'>> = (m) => ({ name: m.name, size: m.size, sha256: m.sha256 });

const backupMsg: Converter<BackupInfo, Msg<'BackupInfo'>> = (b) => ({ id: b.id, createdAt: b.createdAt, files: b.files, bytes: b.bytes });

const linkInfoMsg: Converter<LinkInfo, Msg<'LinkInfo'>> = (l) => ({
  name: l.name,
  kind: l.kind,
  up: l.up,
  addresses: [...l.addresses],
  pattern: l.pattern,
  inert: l.inert,
});

const ipReservationMsg: Converter<IpReservationInfo, Msg<'IpReservationInfo'>> = (r) => ({
  path: r.path,
  network: r.network,
  ip: r.ip,
  containerId: r.containerId,
  live: r.live,
});

const cniCacheFileMsg: Converter<CniCacheFileInfo, Msg<'CniCacheFileInfo'>> = (f) => ({
  path: f.path,
  network: f.network,
  containerId: f.containerId,
  ifname: f.ifname,
  netns: f.netns,
  live: f.live,
});

const kubeletMountMsg: Converter<KubeletMountInfo, Msg<'KubeletMountInfo'>> = (m) => ({
  mountPoint: m.mountPoint,
  fsType: m.fsType,
  source: m.source,
  podUid: m.podUid,
});

const cniConfigFileMsg: Converter<CniConfigFileInfo, Msg<'CniConfigFileInfo'>> = (f) => ({
  path: f.path,
  size: f.size,
  pattern: f.pattern,
});

const firewallTableMsg: Converter<FirewallTableInfo, Msg<'FirewallTableInfo'>> = (f) => ({
  backend: f.backend,
  table: f.table,
  chains: [...f.chains],
  jumps: f.jumps,
});

const podCgroupMsg: Converter<PodCgroupInfo, Msg<'PodCgroupInfo'>> = (c) => ({
  cgroup: c.cgroup,
  podUid: c.podUid,
  containerId: c.containerId,
  unit: c.unit,
  hierarchies: c.hierarchies,
  processes: c.processes,
  live: c.live,
});

export const inventoryMsg: Converter<Inventory, Msg<'InspectResponse'>> = (i) => ({
  sandboxes: i.sandboxes.map(sandboxMsg),
  containers: i.containers.map(containerMsg),
  shims: i.shims.map(shimMsg),
  netns: i.netns.map(netnsInfoMsg),
  manifests: i.manifests.map(manifestMsg),
  backups: i.backups.map(backupMsg),
  criError: i.criError,
  links: i.links.map(linkInfoMsg),
  ipReservations: i.ipReservations.map(ipReservationMsg),
  cniCacheFiles: i.cniCacheFiles.map(cniCacheFileMsg),
  kubeletMounts: i.kubeletMounts.map(kubeletMountMsg),
  kubeletPodDirs: [...i.kubeletPodDirs],
  cniConfigFiles: i.cniConfigFiles.map(cniConfigFileMsg),
  firewall: i.firewall.map(firewallTableMsg),
  kubeletUnitState: i.kubeletUnitState,
  etcdData: i.etcdData.map((e) => ({ ...e, backups: [...e.backups], inUse: [...e.inUse] })),
  kubeletStateFiles: i.kubeletStateFiles.map((f) => ({ path: f.path, size: f.size, symlink: f.symlink, odd: f.odd })),
  podCgroups: i.podCgroups.map(podCgroupMsg),
  residueErrors: [...i.residueErrors],
  // The handler adds the agent's dir warnings: they are not the engine's inventory.
  dirWarnings: [],
});

export const factsMsg: Converter<NodeFactsView, Msg<'NodeFacts'>> = (f) => ({
  os: f.os ?? '',
  kernel: f.kernel ?? '',
  hostname: f.hostname ?? '',
  arch: f.arch ?? '',
  cpus: f.cpus ?? 0,
  memoryBytes: f.memoryBytes ?? 0,
  uptimeSeconds: Math.round(f.uptimeSeconds ?? 0),
});
