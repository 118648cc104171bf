// Wire (proto-loader objects: proto3 defaults filled in, int64 as strings, oneofs named) to the
// TypeScript documents of agent/sweep/types.ts and agent/ports/types.ts, so `--json` prints
// the same shapes as the agent's HTTP endpoints: absent optional fields stay absent instead of
// turning into '' / null, and 64-bit counters become numbers.
import type { Listener, NetnsRef, PodKind, PodRef, PortCheck, PortOwner, PortReport } from '../daemon/ports/types';
import type {
  ActionResult,
  Inventory,
  Outcome,
  Plan,
  PlannedAction,
  PlannedStep,
  ProcessRef,
  ProgressEvent,
  ResetReport,
  Residue,
  ResidueKind,
  RestoreResult,
  StepResult,
  Verification,
} from '../daemon/sweep/types';
import type { StepName } from '../daemon/sweep/steps';
import type { AgentInfo } from './types';

type Wire = Record<string, any>;

const num = (v: unknown): number => (v === undefined || v === null || v === '' ? 0 : Number(v));
const opt = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const arr = (v: unknown): Wire[] => (Array.isArray(v) ? (v as Wire[]) : []);

/** Copy `key` only when it has a value, so optional fields stay absent. */
function put<T extends object, K extends keyof T>(o: T, key: K, v: T[K] | undefined): void {
  if (v !== undefined) o[key] = v;
}

export function decodeProgress(w: Wire): ProgressEvent {
  const step = w.step as StepName;
  switch (w.type) {
    case 'step-started':
      return { type: 'step-started', step, planned: num(w.planned) };
    case 'item-failed':
      return { type: 'item-failed', step, action: w.action ?? '', target: w.target ?? '', message: w.message ?? '' };
    case 'step-finished':
      return { type: 'step-finished', step, status: w.status as StepResult['status'], durationMs: num(w.durationMs) };
    default: {
      const ev: ProgressEvent = { type: 'item-done', step, action: w.action ?? '', target: w.target ?? '', outcome: (w.outcome || 'done') as Outcome };
      put(ev, 'message', opt(w.message));
      return ev;
    }
  }
}

function decodeDetail(m: unknown): Record<string, unknown> | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const entries = Object.entries(m as Record<string, string>);
  if (entries.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    try {
      out[k] = JSON.parse(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

function decodePlan(w: Wire | null | undefined): Plan {
  const p = w ?? {};
  const scope = arr(p.scope) as unknown as string[];
  return {
    node: p.node ?? '',
    createdAt: p.createdAt ?? '',
    dryRun: !!p.dryRun,
    scope: scope.length === 0 ? 'all' : (scope as PodKind[]),
    graceSeconds: num(p.graceSeconds),
    steps: arr(p.steps).map(
      (s): PlannedStep => ({
        name: s.name as StepName,
        required: !!s.required,
        actions: arr(s.actions).map((a): PlannedAction => {
          const out: PlannedAction = { step: a.step as StepName, action: a.action ?? '', target: a.target ?? '' };
          put(out, 'detail', decodeDetail(a.detail));
          return out;
        }),
      }),
    ),
  };
}

function decodeStep(s: Wire): StepResult {
  const out: StepResult = {
    name: s.name as StepName,
    status: s.status as StepResult['status'],
    found: num(s.found),
    done: num(s.done),
    skipped: num(s.skipped),
    failed: num(s.failed),
    items: arr(s.items).map((i): ActionResult => {
      const r: ActionResult = { action: i.action ?? '', target: i.target ?? '', outcome: i.outcome as Outcome, durationMs: num(i.durationMs) };
      put(r, 'message', opt(i.message));
      return r;
    }),
    durationMs: num(s.durationMs),
  };
  put(out, 'reason', opt(s.reason));
  return out;
}

function decodeVerification(v: Wire | null | undefined): Verification | undefined {
  if (!v || !v.verdict) return undefined;
  return {
    verdict: v.verdict === 'clean' ? 'clean' : 'residue',
    residue: arr(v.residue).map((r): Residue => {
      const out: Residue = { kind: r.kind as ResidueKind, target: r.target ?? '', why: r.why ?? '' };
      const ls = arr(r.listeners);
      if (ls.length) out.listeners = ls.map(decodeListener);
      return out;
    }),
    checkedPorts: arr(v.checkedPorts).map(num),
  };
}

export function decodeReport(w: Wire | null | undefined): ResetReport {
  const r = w ?? {};
  const out: ResetReport = {
    runId: r.runId ?? '',
    node: r.node ?? '',
    requestedBy: r.requestedBy ?? '',
    dryRun: !!r.dryRun,
    plan: decodePlan(r.plan),
    steps: arr(r.steps).map(decodeStep),
    startedAt: r.startedAt ?? '',
    finishedAt: r.finishedAt ?? '',
    durationMs: num(r.durationMs),
  };
  put(out, 'verification', decodeVerification(r.verification));
  put(out, 'backupId', opt(r.backupId));
  put(out, 'aborted', opt(r.aborted));
  return out;
}

function decodeNetns(n: Wire | null | undefined): NetnsRef {
  const out: NetnsRef = { inode: num(n?.inode), host: !!n?.host };
  put(out, 'name', opt(n?.name));
  return out;
}

function decodePod(p: Wire | null | undefined): PodRef | undefined {
  if (!p || !p.name) return undefined;
  return {
    name: p.name,
    namespace: p.namespace ?? '',
    uid: p.uid ?? '',
    kind: (p.kind || 'pod') as PodKind,
    hostNetwork: !!p.hostNetwork,
    sandboxId: p.sandboxId ?? '',
  };
}

function decodeOwner(o: Wire): PortOwner {
  const out: PortOwner = { pid: num(o.pid), command: o.command ?? '', residue: !!o.residue };
  put(out, 'containerId', opt(o.containerId));
  put(out, 'containerName', opt(o.containerName));
  put(out, 'pod', decodePod(o.pod));
  put(out, 'podUid', opt(o.podUid));
  put(out, 'residueReason', opt(o.residueReason));
  return out;
}

export function decodeListener(l: Wire): Listener {
  return {
    protocol: l.protocol === 'udp' ? 'udp' : 'tcp',
    family: num(l.family) === 6 ? 6 : 4,
    address: l.address ?? '',
    port: num(l.port),
    inode: num(l.inode),
    netns: decodeNetns(l.netns),
    owners: arr(l.owners).map(decodeOwner),
  };
}

export function decodePortReport(w: Wire): PortReport {
  return {
    listeners: arr(w.listeners).map(decodeListener),
    malformedLines: num(w.malformedLines),
    netnsScanned: arr(w.netnsScanned).map(decodeNetns),
    generatedAt: w.generatedAt ?? '',
  };
}

export function decodePortCheck(w: Wire): PortCheck {
  return {
    allFree: !!w.allFree,
    ports: arr(w.ports).map((p) => ({ port: num(p.port), held: !!p.held, listeners: arr(p.listeners).map(decodeListener) })),
  };
}

const decodeProcess = (p: Wire): ProcessRef => ({ pid: num(p.pid), command: p.command ?? '', ours: !!p.ours });

export function decodeInventory(w: Wire): Inventory {
  const out: Inventory = {
    sandboxes: arr(w.sandboxes).map((s) => ({
      id: s.id ?? '',
      name: s.name ?? '',
      namespace: s.namespace ?? '',
      uid: s.uid ?? '',
      kind: (s.kind || 'pod') as PodKind,
      hostNetwork: !!s.hostNetwork,
      state: s.state ?? '',
      createdAt: s.createdAt ?? '',
    })),
    containers: arr(w.containers).map((c) => ({
      id: c.id ?? '',
      name: c.name ?? '',
      sandboxId: c.sandboxId ?? '',
      state: c.state ?? '',
      podName: c.podName ?? '',
      podNamespace: c.podNamespace ?? '',
      orphan: !!c.orphan,
    })),
    shims: arr(w.shims).map((s) => ({
      pid: num(s.pid),
      id: s.id ?? '',
      namespace: s.namespace ?? '',
      address: s.address ?? '',
      binary: s.binary ?? '',
      children: arr(s.children).map(decodeProcess),
    })),
    netns: arr(w.netns).map((n) => ({ path: n.path ?? '', name: n.name ?? '', inode: num(n.inode), holders: arr(n.holders).map(decodeProcess) })),
    manifests: arr(w.manifests).map((m) => ({ name: m.name ?? '', size: num(m.size), sha256: m.sha256 ?? '' })),
    backups: arr(w.backups).map((b) => ({ id: b.id ?? '', createdAt: b.createdAt ?? '', files: num(b.files), bytes: num(b.bytes) })),
  };
  put(out, 'criError', opt(w.criError));
  return out;
}

export function decodeRestore(w: Wire): RestoreResult {
  return { backupId: w.backupId ?? '', restored: arr(w.restored) as unknown as string[], unchanged: arr(w.unchanged) as unknown as string[] };
}

export function decodeInfo(w: Wire): AgentInfo {
  const f = w.facts ?? {};
  const out: AgentInfo = {
    agentVersion: w.agentVersion ?? '',
    nodeName: w.nodeName ?? '',
    criRuntimeName: w.criRuntimeName ?? '',
    criRuntimeVersion: w.criRuntimeVersion ?? '',
    criApiVersion: w.criApiVersion ?? '',
    facts: {
      os: f.os ?? '',
      kernel: f.kernel ?? '',
      hostname: f.hostname ?? '',
      arch: f.arch ?? '',
      cpus: num(f.cpus),
      memoryBytes: num(f.memoryBytes),
      uptimeSeconds: num(f.uptimeSeconds),
    },
    expectFreePorts: arr(w.expectFreePorts).map(num),
    manifestsDir: w.manifestsDir ?? '',
    netnsDirs: arr(w.netnsDirs) as unknown as string[],
    stateDir: w.stateDir ?? '',
  };
  put(out, 'criError', opt(w.criError));
  return out;
}
