// What a step is: a name, whether it is required, how it plans from the node snapshot and how it
// runs its planned actions. The steps themselves are in ./steps, in one declared list.
import type { Action } from './actions';
import type { RunContext, StepRecorder } from './recorder';
import type { NodeSnapshot } from './snapshot';
import type { PodScope, SweepConfig } from './types';

export interface PlanContext {
  config: SweepConfig;
  snapshot: NodeSnapshot;
  scope: PodScope;
  graceSeconds: number;
  expectFreePorts: readonly number[];
  /** Every step in this plan (verify checks only what the run is meant to clean). */
  steps: ReadonlySet<string>;
  /** Ids of the in-scope sandboxes; 'all' = every sandbox and orphan. */
  sandboxIds: Set<string> | 'all';
}

export interface StepPlan<A extends Action = Action> {
  actions: A[];
  /** Why the step has nothing to do, or what it will leave (e.g. CRI unreachable). */
  note?: string;
}

export interface Step<N extends string = string, A extends Action = Action> {
  readonly name: N;
  /** A required step failing stops the run; a best-effort step failing is reported and the run goes on. */
  readonly required: boolean;
  /**
   * Pure, from the snapshot: touches nothing. Scope checks (a path that resolves outside the
   * configured dirs) throw here, so they refuse the whole run before anything is touched.
   */
  plan(p: PlanContext): StepPlan<A>;
  /**
   * Executes exactly the planned actions (rec.step.actions: the ones plan() made; a runner
   * picks them by kind with actionsOf), recording each outcome.
   */
  run(rec: StepRecorder, ctx: RunContext): Promise<void>;
}
