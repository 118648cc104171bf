// The cleanup engine's data: configuration, the plan, progress events and the report.
// Step names are plain strings here: the names are declared by the step list
// (sweep/steps/index.ts, type StepName), which sits above this file — importing it here would
// make an import cycle. Inputs are checked against that list (Sweeper.normalize).
import type { Lease } from '../destructive-lock';
import type { PodKind, Listener } from '../ports/types';
import type { Planned } from './actions';
import type { PodScope } from './pod-kind';

export type { PodScope } from './pod-kind';

export interface SweepConfig {
  nodeName: string;
  /** CRI endpoint, e.g. unix:///run/containerd/containerd.sock */
  criEndpoint: string;
  /** containerd's gRPC socket path: shims of this containerd carry it as -address. */
  containerdAddress: string;
  /** containerd namespace of the CRI plugin. */
  containerdNamespace: string;
  /** Dirs under which leftover container mounts (rootfs, shm) may be unmounted: containerd's root and state. */
  containerdDirs: readonly string[];
  manifestsDir: string;
  netnsDirs: readonly string[];
  /** kubesweep's own state: backups/ and the journal (the one-at-a-time lock is in memory). */
  stateDir: string;
  /**
   * containerd's CNI conf dir: the CNI teardown fallback places its file here, and cni-config
   * (opt-in) backs up and removes the files matching cniConfPatterns; '' = neither.
   */
  cniConfDir: string;
  /** The first of cniIpamDirs: where the CNI teardown fallback releases leases of sandboxes whose DEL was skipped; '' = report only. */
  cniIpamDir: string;
  /** systemd unit to stop first; '' = skip. */
  kubeletUnit: string;
  expectFreePorts: readonly number[];
  graceSeconds: number;
  criTimeoutMs: number;
  parallelism: number;
  retries: number;
  procRoot: string;
  /** The kubelet's root dir: volume mounts under it are unmounted, pod dirs removed (kubelet-mounts). */
  kubeletDir: string;
  cniConfPatterns: readonly string[];
  /** host-local IPAM data dirs: reservations of dead sandboxes are released (ipam). */
  cniIpamDirs: readonly string[];
  /** libcni's result cache: files of dead sandboxes of ours are removed (cni-cache); '' = none. */
  cniCacheDir: string;
  /** Link names (globs) deleted in the agent's netns (links); empty = no link is ever touched. */
  linkPatterns: readonly string[];
  /** iptables chain-name prefixes removed with the jumps to them (firewall, opt-in). */
  firewallPrefixes: readonly string[];
  /** A local etcd member's data dir, moved aside while nothing holds it (etcd-data, opt-in); '' = none. */
  etcdDataDir: string;
  /** etcd's ports: a listener on one keeps the data dir in place. */
  etcdPorts: readonly number[];
  /** The Kubernetes dir holding the kubelet's kubeconfigs (kubelet-state, opt-in); '' = leave them. */
  kubernetesDir: string;
  /** The kubelet's ports: a listener on one keeps its state in place. */
  kubeletPorts: readonly number[];
  /** Native nftables tables (`FAMILY NAME`) removed whole (firewall, opt-in). */
  firewallNftTables: readonly string[];
  /** The kubelet's pod cgroup hierarchies (paths in every cgroup hierarchy) whose dead pods' cgroups go (pod-cgroups). */
  podCgroupParents: readonly string[];
}

export interface ResetOptions {
  dryRun: boolean;
  scope: PodScope;
  graceSeconds?: number;
  expectFreePorts?: readonly number[];
  /** Who asked (caller identity), for the journal. */
  requestedBy: string;
  /** Run only these steps (the single-step RPCs); default: all, in order. */
  steps?: readonly string[];
  /** Cleanup kinds to add to the defaults (links, ipam, cni-cache, kubelet-mounts) / to leave out (agent/shared/kinds.ts). */
  withKinds?: readonly string[];
  withoutKinds?: readonly string[];
  /** The caller already holds the agent's one destructive lock with this lease (the RPC adapter). */
  lease?: Lease;
}

/** A step's action in the plan: which step it belongs to, then the action (a union, ./actions). */
export type PlannedAction = Planned;

export interface PlannedStep {
  name: string;
  /** A required step failing stops the run; a best-effort step failing is reported and the run goes on. */
  required: boolean;
  actions: PlannedAction[];
  /** Why the step has nothing to do, or what it will leave (e.g. CRI unreachable). */
  note?: string;
}

export interface Plan {
  node: string;
  createdAt: string;
  dryRun: boolean;
  scope: PodScope;
  graceSeconds: number;
  steps: PlannedStep[];
}

export type Outcome = 'done' | 'gone' | 'skipped' | 'failed' | 'planned';

export interface ActionResult {
  action: string;
  target: string;
  outcome: Outcome;
  message?: string;
  durationMs: number;
}

export interface StepResult {
  name: string;
  status: 'ok' | 'partial' | 'failed' | 'skipped';
  reason?: string;
  found: number;
  done: number;
  skipped: number;
  failed: number;
  items: ActionResult[];
  durationMs: number;
}

export type ResidueKind =
  | 'port'
  | 'sandbox'
  | 'container'
  | 'shim'
  | 'netns'
  | 'manifest'
  | 'link'
  | 'ipam'
  | 'cni-cache'
  | 'kubelet-mount'
  | 'pod-cgroup'
  | 'cni-config'
  | 'firewall'
  | 'kubelet-unit'
  | 'etcd-data'
  | 'kubelet-state';

export interface Residue {
  kind: ResidueKind;
  target: string;
  why: string;
  /** For ports: the listeners (with owners) that still hold it. */
  listeners?: Listener[];
}

export interface Verification {
  verdict: 'clean' | 'residue';
  residue: Residue[];
  checkedPorts: number[];
}

export interface ResetReport {
  runId: string;
  node: string;
  requestedBy: string;
  dryRun: boolean;
  plan: Plan;
  steps: StepResult[];
  verification?: Verification;
  backupId?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Set when the run stopped early (a required step failed, or shutdown). */
  aborted?: string;
}

export type ProgressEvent =
  | { type: 'step-started'; step: string; planned: number }
  | { type: 'item-done'; step: string; action: string; target: string; outcome: Outcome; message?: string }
  | { type: 'item-failed'; step: string; action: string; target: string; message: string }
  | { type: 'step-finished'; step: string; status: StepResult['status']; durationMs: number };

// ---- Inventory (Inspect) -----------------------------------------------------------------

export interface ProcessRef {
  pid: number;
  command: string;
  /** Proven to belong to the configured containerd (a shim of it, or a descendant of one). */
  ours: boolean;
}

export interface SandboxInfo {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  kind: PodKind;
  hostNetwork: boolean;
  state: string;
  createdAt: string;
}

export interface ContainerInfo {
  id: string;
  name: string;
  sandboxId: string;
  state: string;
  podName: string;
  podNamespace: string;
  orphan: boolean;
}

export interface ShimInfo {
  pid: number;
  id: string;
  namespace: string;
  address: string;
  binary: string;
  children: ProcessRef[];
}

export interface NetnsInfo {
  path: string;
  name: string;
  inode: number;
  holders: ProcessRef[];
}

export interface ManifestInfo {
  name: string;
  size: number;
  sha256: string;
}

export interface BackupInfo {
  id: string;
  createdAt: string;
  files: number;
  bytes: number;
}

export interface LinkInfo {
  name: string;
  kind: string;
  up: boolean;
  addresses: string[];
  pattern: string;
  /** A kernel fallback device that is down with no address: a reset leaves it. */
  inert: boolean;
}

export interface IpReservationInfo {
  path: string;
  network: string;
  ip: string;
  containerId: string;
  /** Its container is a live sandbox: a reset keeps it. */
  live: boolean;
}

export interface KubeletMountInfo {
  mountPoint: string;
  fsType: string;
  source: string;
  /** '' for a mount outside pods/ (a CSI global mount). */
  podUid: string;
}

export interface CniConfigFileInfo {
  path: string;
  size: number;
  pattern: string;
}

export interface FirewallTableInfo {
  backend: string;
  table: string;
  chains: string[];
  jumps: number;
}

/** A pod's or container's cgroup under the kubelet's pod hierarchy (kind pod-cgroups). */
export interface PodCgroupInfo {
  /** Its path in each hierarchy, e.g. /kubepods/besteffort/pod<uid>. */
  cgroup: string;
  podUid: string;
  containerId: string;
  /** The systemd unit it is (systemd driver), '' for a plain cgroupfs dir. */
  unit: string;
  /** In how many hierarchies it has a dir. */
  hierarchies: number;
  /** Processes in it or below. */
  processes: number;
  /** Its pod or container is still a live sandbox of this containerd (a reset keeps it). */
  live: boolean;
}

export interface CniCacheFileInfo {
  path: string;
  network: string;
  containerId: string;
  ifname: string;
  netns: string;
  /** Its sandbox is still known to the CRI or run by a live shim of ours (a reset keeps it). */
  live: boolean;
}

export interface EtcdDataInfo {
  dir: string;
  present: boolean;
  memberEntries: number;
  backups: string[];
  inUse: string[];
}

export interface KubeletStateFileInfo {
  path: string;
  size: number;
  symlink: boolean;
  /** Why it is never touched; '' for a kubelet file. */
  odd: string;
}

export interface Inventory {
  sandboxes: SandboxInfo[];
  containers: ContainerInfo[];
  shims: ShimInfo[];
  netns: NetnsInfo[];
  manifests: ManifestInfo[];
  backups: BackupInfo[];
  criError?: string;
  links: LinkInfo[];
  ipReservations: IpReservationInfo[];
  cniCacheFiles: CniCacheFileInfo[];
  kubeletMounts: KubeletMountInfo[];
  kubeletPodDirs: string[];
  cniConfigFiles: CniConfigFileInfo[];
  firewall: FirewallTableInfo[];
  etcdData: EtcdDataInfo[];
  kubeletStateFiles: KubeletStateFileInfo[];
  podCgroups: PodCgroupInfo[];
  /** enabled, disabled, not-found, other; '' without systemd or with no unit configured. */
  kubeletUnitState: string;
  /** Parts that could not be read, each "kind: why". */
  residueErrors: string[];
}

export interface RestoreResult {
  backupId: string;
  restored: string[];
  unchanged: string[];
}
