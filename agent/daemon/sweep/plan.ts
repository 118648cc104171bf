// The plan is data: built from one look at the node, it lists every action the run will take,
// in order. A dry run returns it; a real run executes exactly it. Building it also enforces
// scope: a path to delete that resolves outside the configured dirs refuses the whole run
// before anything is touched (each step's plan() checks its own paths).
import { scopedSandboxIds, type NodeSnapshot } from './snapshot';
import { STEPS, type StepName } from './steps';
import type { Plan, PlannedStep, PodScope, SweepConfig } from './types';

export interface PlanInput {
  config: SweepConfig;
  node: string;
  dryRun: boolean;
  scope: PodScope;
  graceSeconds: number;
  steps: readonly StepName[];
  expectFreePorts: readonly number[];
  snapshot: NodeSnapshot;
}

export function buildPlan(input: PlanInput): Plan {
  const { config, snapshot, scope } = input;
  const want = new Set<string>(input.steps);
  const ctx = {
    config,
    snapshot,
    scope,
    graceSeconds: input.graceSeconds,
    expectFreePorts: input.expectFreePorts,
    steps: want,
    sandboxIds: scopedSandboxIds(snapshot, scope),
  };
  const steps: PlannedStep[] = [];
  for (const step of STEPS) {
    if (!want.has(step.name)) continue;
    const { actions, note } = step.plan(ctx);
    steps.push({
      name: step.name,
      required: step.required,
      actions: actions.map((a) => ({ step: step.name, ...a })),
      ...(note ? { note } : {}),
    });
  }
  return {
    node: input.node,
    createdAt: snapshot.takenAt.toISOString(),
    dryRun: input.dryRun,
    scope,
    graceSeconds: input.graceSeconds,
    steps,
  };
}
