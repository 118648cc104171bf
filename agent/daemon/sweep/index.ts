// The cleanup engine: look at the node once, build the plan (data), then execute it step by
// step — stop kubelet, back up manifests, remove pods through CRI, kill leftover shims, remove
// netns, verify — journaling each step and emitting a progress event per action.
import { isKubesweepError, ksError } from '../../shared/errors';
import { checkStateDir } from '../host/state-dir';
import { DestructiveLock } from '../destructive-lock';
import { CleanupKind, DEFAULT_KINDS, isCleanupKind, resolveKinds } from '../../shared/kinds';
import { readMountinfo } from '../host/mountinfo';
import { listProcesses } from '../host/proc';
import { systemdRunning } from '../host/systemctl';
import { listBackups, listManifests, manifestsSnapshot, newRunId, restoreBackup } from './backup';
import { findContainerMounts, findNetns, findShims, hostNetworkFromShims, listPods, ownershipIndex } from './discover';
import { appendJournal, tryAppendJournal } from './journal';
import { recoverFromJournal } from './recover';
import { findShimlessContainers } from '../host/shimless';
import { buildPlan } from './plan';
import { validScope } from './pod-kind';
import { RunContext, StepRecorder, SweepDeps } from './recorder';
import { kindsInventory, readResidue, residueLeft } from './kinds';
import { sandboxLiveness } from './liveness';
import { NodeSnapshot, scopedSandboxIds } from './snapshot';
import { ALL_STEPS, stepNamed, StepName } from './steps';
import type {
  BackupInfo,
  Inventory,
  Plan,
  ProgressEvent,
  ResetOptions,
  ResetReport,
  RestoreResult,
  StepResult,
  SweepConfig,
  Verification,
} from './types';
import { verifyNode } from './verify-node';

export { isBackupId } from './backup';
export { readJournal } from './journal';
export type { SweepDeps } from './recorder';
export { ALL_STEPS, type StepName } from './steps';
export * from './types';

export class Sweeper {
  private readonly lock: DestructiveLock;

  constructor(
    readonly config: SweepConfig,
    private readonly deps: SweepDeps,
  ) {
    this.lock = deps.lock ?? new DestructiveLock();
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private owner() {
    return { address: this.config.containerdAddress, namespace: this.config.containerdNamespace };
  }

  private normalize(opts: ResetOptions): {
    scope: ResetOptions['scope'];
    grace: number;
    steps: StepName[];
    ports: readonly number[];
    kinds: CleanupKind[];
  } {
    const problems: string[] = [];
    if (!validScope(opts.scope))
      problems.push(`scope must be 'all' or a non-empty list of static, daemonset, pod (got ${JSON.stringify(opts.scope)})`);
    const grace = opts.graceSeconds ?? this.config.graceSeconds;
    if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0 || grace > 3600)
      problems.push(`graceSeconds must be in [0, 3600] (got ${JSON.stringify(grace)})`);
    const steps: readonly string[] = opts.steps ?? ALL_STEPS;
    const unknown = steps.filter((s) => stepNamed(s) === undefined);
    if (unknown.length) problems.push(`unknown steps: ${unknown.join(', ')}`);
    if (steps.length === 0) problems.push('steps must not be empty');
    const ports = opts.expectFreePorts ?? this.config.expectFreePorts;
    if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) problems.push('expectFreePorts must be ports in 1..65535');
    if (typeof opts.requestedBy !== 'string' || opts.requestedBy === '') problems.push('requestedBy must name the caller');
    const kinds = resolveKinds(opts.withKinds, opts.withoutKinds);
    problems.push(...kinds.problems);
    if (problems.length) throw ksError('KS_INVALID_ARGUMENT', `invalid reset options: ${problems.join('; ')}`, { problems });
    // A step named after a cleanup kind runs only when its kind is on.
    const on = (s: StepName) => steps.includes(s) && (!isCleanupKind(s) || kinds.kinds.includes(s));
    return { scope: opts.scope, grace, steps: ALL_STEPS.filter(on), ports, kinds: kinds.kinds };
  }

  /** One read-only look at everything the plan needs. */
  private async snapshot(scope: ResetOptions['scope'], steps: readonly StepName[]): Promise<NodeSnapshot> {
    const c = this.config;
    const procs = listProcesses(c.procRoot);
    const shims = findShims(procs, this.owner());
    let pods: NodeSnapshot['pods'];
    try {
      pods = await listPods(this.deps.cri, Math.min(c.criTimeoutMs, 15_000), c.parallelism, hostNetworkFromShims(shims, c.procRoot));
    } catch (err) {
      pods = { error: (err as Error).message };
    }
    const owned = ownershipIndex(shims);
    const criIds = 'error' in pods ? new Set<string>() : new Set([...pods.sandboxes.map((s) => s.id), ...pods.containers.map((x) => x.id)]);
    const shimless = findShimlessContainers(procs, {
      procRoot: c.procRoot,
      containerdDirs: c.containerdDirs,
      namespace: c.containerdNamespace,
      shimOwned: new Set(owned.keys()),
      criIds,
    });
    const snap: NodeSnapshot = {
      takenAt: this.now(),
      pods,
      shims,
      netns: findNetns(c.netnsDirs, procs, owned, c.procRoot, shimless),
      containerMounts: findContainerMounts(readMountinfo(c.procRoot), c.containerdDirs, c.containerdNamespace),
      ...manifestsSnapshot(c.manifestsDir, c.procRoot),
      systemd: c.kubeletUnit !== '' && systemdRunning(this.deps.hostTools?.systemdRunDir),
      podPorts: [],
      shimless,
      residue: await readResidue(c, new Set(steps.filter(isCleanupKind)), this.deps.hostTools),
    };
    if (steps.includes('verify') && this.deps.listPorts) {
      const ids = scopedSandboxIds(snap, scope);
      try {
        const report = await this.deps.listPorts();
        const ports = new Set<number>();
        // A container whose shim is gone still holds its pod's ports: count them as the pod's.
        const shimlessSandbox = new Map<number, string>();
        for (const c of shimless) for (const p of c.processes) shimlessSandbox.set(p.pid, c.facts.sandboxId ?? c.containerId);
        for (const l of report.listeners) {
          if (!l.netns.host) continue;
          for (const o of l.owners) {
            const shim = owned.get(o.pid);
            const sb = o.pod?.sandboxId ?? shim?.id ?? shimlessSandbox.get(o.pid);
            if ((shim || o.pod || shimlessSandbox.has(o.pid)) && sb !== undefined && (ids === 'all' || ids.has(sb))) ports.add(l.port);
          }
        }
        snap.podPorts = [...ports].sort((a, b) => a - b);
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'could not list ports held by pods; verify checks only the expected ports');
      }
    }
    return snap;
  }

  async plan(opts: ResetOptions): Promise<Plan> {
    const n = this.normalize(opts);
    const snapshot = await this.snapshot(n.scope, n.steps);
    return buildPlan({
      config: this.config,
      node: this.config.nodeName,
      dryRun: opts.dryRun,
      scope: n.scope,
      graceSeconds: n.grace,
      steps: n.steps,
      expectFreePorts: n.ports,
      snapshot,
    });
  }

  async reset(opts: ResetOptions, onEvent?: (e: ProgressEvent) => void, signal?: AbortSignal): Promise<ResetReport> {
    const n = this.normalize(opts);
    // A dry run changes nothing, so it may run alongside a real one.
    if (opts.dryRun) return this.run(opts, n, onEvent, signal);
    // The agent's one lock: the RPC adapter already holds it for this call (opts.lease);
    // anyone else calling the engine takes it here.
    const release = this.lock.holds(opts.lease) ? undefined : this.lock.acquire('reset', opts.requestedBy);
    try {
      return await this.run(opts, n, onEvent, signal);
    } finally {
      release?.();
    }
  }

  private async run(
    opts: ResetOptions,
    n: ReturnType<Sweeper['normalize']>,
    onEvent: ((e: ProgressEvent) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ResetReport> {
    const started = this.now();
    const t0 = Date.now();
    const runId = newRunId(started);
    // A dead run's leftovers first (a teardown CNI config in containerd's conf dir, an unfinished
    // journal): never for a dry run, which touches nothing.
    if (!opts.dryRun) {
      checkStateDir(this.config.stateDir);
      try {
        recoverFromJournal(this.config.stateDir, this.deps.log, `run ${runId}`);
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'could not recover from the journal');
      }
    }
    const snapshot = await this.snapshot(n.scope, n.steps);
    const plan = buildPlan({
      config: this.config,
      node: this.config.nodeName,
      dryRun: opts.dryRun,
      scope: n.scope,
      graceSeconds: n.grace,
      steps: n.steps,
      expectFreePorts: n.ports,
      snapshot,
    });
    const base = {
      runId,
      node: this.config.nodeName,
      requestedBy: opts.requestedBy,
      dryRun: opts.dryRun,
      plan,
      startedAt: started.toISOString(),
    };
    const emit = (e: ProgressEvent) => {
      try {
        onEvent?.(e);
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'progress listener threw');
      }
    };

    if (opts.dryRun) {
      // Nothing is touched, not even the journal: the dry run is pure inspection.
      const steps: StepResult[] = plan.steps.map((s) => ({
        name: s.name,
        status: s.actions.length ? 'ok' : 'skipped',
        ...(s.note ? { reason: s.note } : {}),
        found: s.actions.length,
        done: 0,
        skipped: 0,
        failed: 0,
        items: s.actions.map((a) => ({ action: a.action, target: a.target, outcome: 'planned' as const, durationMs: 0 })),
        durationMs: 0,
      }));
      return { ...base, steps, finishedAt: this.now().toISOString(), durationMs: Date.now() - t0 };
    }

    const log = this.deps.log.child({ runId });
    try {
      appendJournal(this.config.stateDir, {
        type: 'started',
        runId,
        at: started.toISOString(),
        node: this.config.nodeName,
        requestedBy: opts.requestedBy,
        plan,
      });
    } catch (err) {
      if (isKubesweepError(err)) throw err;
      // Nothing is done that the journal could not record: a read-only or full state dir stops here.
      throw ksError(
        'KS_STATE_DIR_FAILED',
        `cannot write the run journal in the state dir ${this.config.stateDir}: ${(err as Error).message}; nothing was done`,
        { stateDir: this.config.stateDir },
        err,
      );
    }
    log.info({ requestedBy: opts.requestedBy, steps: n.steps, scope: n.scope }, 'reset started');
    const ctx: RunContext = {
      config: this.config,
      deps: this.deps,
      log,
      runId,
      node: this.config.nodeName,
      graceSeconds: n.grace,
      scope: n.scope,
      snapshot,
      signal,
      emit,
      steps: new Set(n.steps),
      removedSandboxes: new Set(),
    };
    const results: StepResult[] = [];
    let aborted: string | undefined;
    for (const step of plan.steps) {
      if (signal?.aborted) {
        aborted = `aborted before ${step.name}: ${String(signal.reason ?? 'shutdown')}`;
        break;
      }
      const rec = new StepRecorder(step, ctx);
      let result: StepResult;
      try {
        // The plan's steps come from STEPS (buildPlan), so each name has its step.
        await stepNamed(step.name)!.run(rec, ctx);
        result = rec.finish();
      } catch (err) {
        // A runner bug or a refusal mid-step: record it as the step's failure, not a crash.
        rec.reason = (err as Error).message;
        result = rec.finish('failed');
      }
      results.push(result);
      // Past the first change a journal failure is reported with what was done, not thrown.
      const lost = tryAppendJournal(this.config.stateDir, { type: 'step', runId, at: this.now().toISOString(), step: result });
      if (lost) {
        aborted = `the run journal could not record step ${step.name} (${lost}): stopped after it`;
        log.error({ step: step.name }, aborted);
        break;
      }
      if (step.required && (result.status === 'failed' || (result.status === 'partial' && result.failed > 0))) {
        aborted = `required step ${step.name} failed: ${result.reason ?? result.items.find((i) => i.outcome === 'failed')?.message ?? 'see items'}`;
        log.error({ step: step.name }, aborted);
        break;
      }
    }
    if (!aborted && signal?.aborted) aborted = `aborted: ${String(signal.reason ?? 'shutdown')}`;
    const verification = ctx.verification;
    const finished = this.now();
    const report: ResetReport = {
      ...base,
      steps: results,
      ...(verification ? { verification } : {}),
      ...(ctx.backupId ? { backupId: ctx.backupId } : {}),
      finishedAt: finished.toISOString(),
      durationMs: Date.now() - t0,
      ...(aborted ? { aborted } : {}),
    };
    const lostEnd = tryAppendJournal(this.config.stateDir, {
      type: 'finished',
      runId,
      at: finished.toISOString(),
      ...(verification ? { verdict: verification.verdict } : {}),
      ...(ctx.backupId ? { backupId: ctx.backupId } : {}),
      ...(aborted ? { aborted } : {}),
      durationMs: report.durationMs,
      stepDurationsMs: Object.fromEntries(results.map((r) => [r.name, r.durationMs])),
      report: { steps: results.map(({ items: _items, ...s }) => s), verification },
    });
    if (lostEnd) {
      const why = `the run journal could not record the end of the run (${lostEnd})`;
      report.aborted = report.aborted ? `${report.aborted}; ${why}` : why;
      log.error(why);
    }
    log.info({ verdict: verification?.verdict, aborted, durationMs: report.durationMs }, 'reset finished');
    return report;
  }

  async inspect(): Promise<Inventory> {
    const c = this.config;
    const procs = listProcesses(c.procRoot);
    const shims = findShims(procs, this.owner());
    let criError: string | undefined;
    let pods: Awaited<ReturnType<typeof listPods>> = { sandboxes: [], containers: [] };
    try {
      pods = await listPods(this.deps.cri, Math.min(c.criTimeoutMs, 15_000), c.parallelism, hostNetworkFromShims(shims, c.procRoot));
    } catch (err) {
      criError = (err as Error).message;
    }
    const owned = ownershipIndex(shims);
    const criIds = new Set([...pods.sandboxes.map((s) => s.id), ...pods.containers.map((x) => x.id)]);
    const shimless = findShimlessContainers(procs, {
      procRoot: c.procRoot,
      containerdDirs: c.containerdDirs,
      namespace: c.containerdNamespace,
      shimOwned: new Set(owned.keys()),
      criIds,
    });
    const netns = findNetns(c.netnsDirs, procs, owned, c.procRoot, shimless);
    // Every kind, whether a reset clears it by default or not; liveness from the listing above.
    const seen = { pods: criError !== undefined ? { error: criError } : pods, shimIds: shims.map((s) => s.id) };
    const rejoin = await kindsInventory(c, this.deps.hostTools ?? {}, async () => sandboxLiveness(seen));
    return {
      sandboxes: pods.sandboxes,
      containers: pods.containers,
      shims: shims.map(({ pid, id, namespace, address, binary, children }) => ({ pid, id, namespace, address, binary, children })),
      netns: netns.map(({ path, name, inode, holders }) => ({
        path,
        name,
        inode,
        holders: holders.map(({ pid, command, ours }) => ({ pid, command, ours })),
      })),
      manifests: listManifests(c.manifestsDir).map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      backups: listBackups(c.stateDir),
      ...(criError ? { criError } : {}),
      ...rejoin,
    };
  }

  async restoreManifests(backupId?: string): Promise<RestoreResult> {
    checkStateDir(this.config.stateDir);
    const r = restoreBackup(this.config.stateDir, this.config.manifestsDir, backupId);
    this.deps.log.info({ backupId: r.backupId, restored: r.restored, unchanged: r.unchanged }, 'manifests restored');
    return r;
  }

  async listBackups(): Promise<BackupInfo[]> {
    return listBackups(this.config.stateDir);
  }

  async verify(opts: { expectFreePorts?: readonly number[]; extraPorts?: readonly number[] } = {}): Promise<Verification> {
    const v = await verifyNode({
      config: this.config,
      cri: this.deps.cri,
      checkPorts: this.deps.checkPorts,
      ports: [...(opts.expectFreePorts ?? this.config.expectFreePorts), ...(opts.extraPorts ?? [])],
      scope: 'all',
      checks: { pods: true, shims: true, netns: true, manifests: true },
    });
    // The default kinds (what a rejoin trips over) and an enabled kubelet unit.
    const more = await residueLeft(
      this.config,
      new Set<CleanupKind>([...DEFAULT_KINDS, 'kubelet-unit']),
      this.deps.cri,
      this.deps.hostTools,
    );
    const residue = [...v.residue, ...more];
    return { ...v, verdict: residue.length ? 'residue' : 'clean', residue };
  }
}
