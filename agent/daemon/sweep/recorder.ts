// What a running step sees: the run's context (config, dependencies, what earlier steps left
// for later ones) and its recorder — each action's outcome goes into the step result and out as
// a progress event, and every destructive action gets one log line.
import type { Logger } from 'pino';
import type { CriClient } from '../cri/client';
import type { DestructiveLock } from '../destructive-lock';
import type { PortCheck, PortReport } from '../ports/types';
import type { ResidueDeps } from './residue';
import type { NodeSnapshot } from './snapshot';
import type { ActionResult, Outcome, PlannedStep, PodScope, ProgressEvent, StepResult, SweepConfig, Verification } from './types';

export interface SweepDeps {
  cri: CriClient;
  /** Structured log; one line per destructive action. */
  log: Logger;
  checkPorts: (ports: readonly number[]) => Promise<PortCheck>;
  /**
   * Optional: the host-netns port report (agent/ports listPorts). When given, the plan records
   * the ports that in-scope pods listen on, and verify checks those too.
   */
  listPorts?: () => Promise<PortReport>;
  now?: () => Date;
  /** How the rejoin steps reach iproute2, iptables and systemd (tests: a private netns, fixtures). */
  hostTools?: ResidueDeps;
  /** The agent's one destructive lock (default: the engine's own, for tests and benches). */
  lock?: DestructiveLock;
}

export interface RunContext {
  config: SweepConfig;
  deps: SweepDeps;
  log: Logger;
  runId: string;
  node: string;
  graceSeconds: number;
  scope: PodScope;
  snapshot: NodeSnapshot;
  signal?: AbortSignal;
  emit: (e: ProgressEvent) => void;
  /** Sandboxes the CRI removed in this run (their shims exit on their own). */
  removedSandboxes: Set<string>;
  /** Set by backup-manifests. */
  backupId?: string;
  /** Set by verify: the report carries it. */
  verification?: Verification;
  /** All steps this run executes. */
  steps: ReadonlySet<string>;
}

export class StepRecorder {
  readonly items: ActionResult[] = [];
  private readonly started = Date.now();
  reason: string | undefined;

  constructor(
    readonly step: PlannedStep,
    private readonly ctx: RunContext,
  ) {
    ctx.emit({ type: 'step-started', step: step.name, planned: step.actions.length });
  }

  get aborted(): boolean {
    return this.ctx.signal?.aborted === true;
  }

  record(action: string, target: string, outcome: Outcome, durationMs: number, message?: string): void {
    this.items.push({ action, target, outcome, durationMs, ...(message ? { message } : {}) });
    const step = this.step.name;
    if (outcome === 'failed') {
      this.ctx.emit({ type: 'item-failed', step, action, target, message: message ?? 'failed' });
      this.ctx.log.warn({ step, action, target, outcome, message, runId: this.ctx.runId }, `${action} ${target} failed`);
    } else {
      this.ctx.emit({ type: 'item-done', step, action, target, outcome, ...(message ? { message } : {}) });
      if (outcome === 'done')
        this.ctx.log.info({ step, action, target, outcome, message, durationMs, runId: this.ctx.runId }, `${action} ${target}`);
    }
  }

  /** Time `fn` and record its outcome; an exception becomes a 'failed' item, never a throw. */
  async act(action: string, target: string, fn: () => Promise<{ outcome: Outcome; message?: string }>): Promise<Outcome> {
    if (this.aborted) {
      this.record(action, target, 'skipped', 0, 'run aborted before this action');
      return 'skipped';
    }
    const t0 = Date.now();
    try {
      const r = await fn();
      this.record(action, target, r.outcome, Date.now() - t0, r.message);
      return r.outcome;
    } catch (err) {
      this.record(action, target, 'failed', Date.now() - t0, (err as Error).message);
      return 'failed';
    }
  }

  finish(forceStatus?: StepResult['status']): StepResult {
    const count = (o: Outcome) => this.items.filter((i) => i.outcome === o).length;
    const done = count('done') + count('gone');
    const failed = count('failed');
    const skipped = count('skipped');
    let status: StepResult['status'];
    if (forceStatus) status = forceStatus;
    else if (this.items.length === 0) status = 'skipped';
    else if (failed > 0) status = done > 0 ? 'partial' : 'failed';
    else status = skipped > 0 ? 'partial' : 'ok';
    if (!this.reason && this.step.note) this.reason = this.step.note;
    if (this.items.length === 0 && !this.reason) this.reason = 'nothing to do';
    const result: StepResult = {
      name: this.step.name,
      status,
      ...(this.reason ? { reason: this.reason } : {}),
      found: this.step.actions.length,
      done,
      skipped,
      failed,
      items: this.items,
      durationMs: Date.now() - this.started,
    };
    this.ctx.emit({ type: 'step-finished', step: this.step.name, status, durationMs: result.durationMs });
    return result;
  }
}
