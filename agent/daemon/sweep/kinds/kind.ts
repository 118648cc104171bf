// What a cleanup kind is (agent/shared/kinds.ts names them): one module that reads its residue,
// plans and runs its step, says what is left after the run and gives its inventory rows. The
// engine drives every kind through this contract from one list (./index.ts), so adding a kind is
// its module, its tests and one list entry.
import type { CleanupKind } from '../../../shared/kinds';
import type { Action, Check } from '../actions';
import type { Liveness } from '../liveness';
import type { RunContext, StepRecorder } from '../recorder';
import type { Failed, ResidueDeps } from '../residue';
import type { PlanContext, Step, StepPlan } from '../step';
import type { Inventory, Residue, ResidueKind, SweepConfig } from '../types';

/** The inventory fields the kinds fill (every other field is the engine's). */
export type KindInventory = Pick<
  Inventory,
  | 'links'
  | 'ipReservations'
  | 'cniCacheFiles'
  | 'kubeletMounts'
  | 'kubeletPodDirs'
  | 'cniConfigFiles'
  | 'firewall'
  | 'kubeletUnitState'
  | 'etcdData'
  | 'kubeletStateFiles'
  | 'podCgroups'
>;

/** What a kind's left() and inventory() may ask: the liveness rule applied to the node now (asked once, shared). */
export interface LookNow {
  config: SweepConfig;
  deps: ResidueDeps;
  liveness(): Promise<Liveness>;
}

export interface KindModule<K extends CleanupKind = CleanupKind, R extends object = object, A extends Action = Action> {
  readonly name: K;
  /** Its step runs before the pods go (kubelet-unit: right after the kubelet stops) or after them (all the rest). */
  readonly phase: 'before-pods' | 'after-pods';
  /**
   * Read-only look at this kind's residue; undefined when the kind is not configured (nothing
   * to read). A throw is kept as the kind's error (Failed) and the look goes on.
   */
  read(config: SweepConfig, deps: ResidueDeps): Promise<R | undefined> | R | undefined;
  /** Pure, from its residue in the snapshot (Step.plan). */
  plan(p: PlanContext, residue: R | Failed | undefined): StepPlan<A>;
  /** Executes exactly the planned actions (Step.run). */
  run(rec: StepRecorder, ctx: RunContext): Promise<void>;
  /** The verify step's check of this kind in this plan, if it checks it. */
  check(p: PlanContext): Check | undefined;
  /** The residue kind its left() reports (the verify step counts each check's items by it). */
  readonly residueKind: ResidueKind;
  /** What a rejoin would still trip over, from a fresh read; each item with why. */
  left(residue: R | Failed | undefined, look: LookNow): Promise<Residue[]>;
  /** Its inventory rows, and its part of the inventory's residueErrors ("kind: why"). */
  inventory(residue: R | Failed | undefined, look: LookNow): Promise<{ rows: Partial<KindInventory>; errors: string[] }>;
}

/** The kind's step: its residue taken from the snapshot by its name. */
export function stepOf<K extends CleanupKind, R extends object, A extends Action>(kind: KindModule<K, R, A>): Step<K, A> {
  return {
    name: kind.name,
    required: false,
    plan: (p) => kind.plan(p, p.snapshot.residue?.[kind.name] as R | Failed | undefined),
    run: (rec, ctx) => kind.run(rec, ctx),
  };
}
