// The "plan = run" property: the dry-run plan taken just before a reset equals the plan the run
// journals and executes, action for action. The integration tests' resets of residue (seed, dead
// shims, CNI failure, CRI down, crashes, scopes, kinds, runtimes, the CLI's streaming reset) go
// through one of the helpers below instead of a bare reset. Bare resets remain where the test is
// about something a dry run beside it would disturb: interrupted and concurrent runs
// (agent-abuse, agent-lifecycle, agent-tls-rotation), metrics counting resets (agent-http), auth
// decisions (agent-tls), packaging (bundle, demo). planDifferences/executionDifferences are the
// comparison itself (pure, so a unit test can show it fails on the mismatches it is meant to catch).
//
// What counts as "executed": each planned action has exactly one item in its step's result
// (same action, same target), in plan order. Its outcome is done, gone (the target went away in
// between: the run reports it) or failed (the run tried). A planned action the run then skips is
// a mismatch — the plan promised something the run did not attempt — unless the plan announced
// it as blocked (detail.blockedBy), an item failed earlier in the run (the skip follows from
// that failure, which the run reports), or its message matches
// one of `allowSkips`: the change in between that the caller knows of and the run reports (for
// example "the unmount of … failed" cascading to the pod dir under it). A step the run never
// reached (an abort after a required step failed) is not a mismatch; the run reports `aborted`.
import type { Test } from 'tap';
import type { ProgressEvent, ResetOptions, ResetReport, Sweeper } from '../../agent/daemon/sweep';
import { readJournal } from '../../agent/daemon/sweep';
import type { AgentTestClient, ResetOutcome } from './agent';
import { runClient } from './agent';

/** A plan or report in either form (the engine's objects or the API's JSON). */
interface LoosePlan {
  steps: { name: string; note?: string; actions: { action: string; target: string; detail?: Record<string, unknown> }[] }[];
}
interface LooseReport {
  plan?: LoosePlan;
  aborted?: string;
  steps: { name: string; items?: { action: string; target: string; outcome: string; message?: string }[] }[];
}

export interface PlanCheck {
  /** Skips the caller expects and the run reports, by message. */
  allowSkips?: readonly RegExp[];
}

const key = (a: { action: string; target: string }) => `${a.action} ${a.target}`;

/** Where two plans differ: step names, notes, and each step's actions in order. */
export function planDifferences(dry: LoosePlan, run: LoosePlan): string[] {
  const out: string[] = [];
  const names = (p: LoosePlan) => p.steps.map((s) => s.name).join(',');
  if (names(dry) !== names(run)) out.push(`steps differ: dry run [${names(dry)}], run [${names(run)}]`);
  for (const d of dry.steps) {
    const r = run.steps.find((s) => s.name === d.name);
    if (!r) continue;
    if ((d.note ?? '') !== (r.note ?? ''))
      out.push(`${d.name}: note differs: dry run ${JSON.stringify(d.note ?? '')}, run ${JSON.stringify(r.note ?? '')}`);
    const dk = d.actions.map(key);
    const rk = r.actions.map(key);
    if (dk.join('\n') !== rk.join('\n')) out.push(`${d.name}: actions differ: dry run [${dk.join('; ')}], run [${rk.join('; ')}]`);
  }
  return out;
}

/** Where the run did not execute its own plan, action for action. */
export function executionDifferences(report: LooseReport, check: PlanCheck = {}): string[] {
  const out: string[] = [];
  const plan = report.plan;
  if (!plan) return ['the report carries no plan'];
  for (const planned of plan.steps) {
    const result = report.steps.find((s) => s.name === planned.name);
    if (!result) {
      if (!report.aborted) out.push(`${planned.name}: planned, but the run has no result for it and was not aborted`);
      continue;
    }
    const items = result.items ?? [];
    // Items of planned actions, in the order they were recorded; other items (a step's own
    // follow-ups) are not the plan's business.
    const plannedKeys = new Set(planned.actions.map(key));
    const executed = items.filter((i) => plannedKeys.has(key(i)));
    const want = planned.actions.map(key);
    const got = executed.map(key);
    const missing = want.filter((k) => !got.includes(k));
    const twice = got.filter((k, i) => got.indexOf(k) !== i);
    if (missing.length) out.push(`${planned.name}: planned but not executed: ${missing.join('; ')}`);
    if (twice.length) out.push(`${planned.name}: executed more than once: ${[...new Set(twice)].join('; ')}`);
    // A planned action whose plan already names what blocks it (remove-netns' blockedBy) is
    // announced as left in place: its skip is the plan's, not a change.
    const announced = new Set(planned.actions.filter((a) => a.detail?.blockedBy !== undefined).map(key));
    // A failure earlier in the run (containerd killed mid-run, a full state dir) skips what
    // depended on it: those skips are the run reporting a change, not a plan it did not keep.
    const failedBefore = report.steps
      .slice(0, report.steps.indexOf(result))
      .some((s) => (s.items ?? []).some((x) => x.outcome === 'failed'));
    const failedFirst = (i: number) => failedBefore || items.slice(0, i).some((x) => x.outcome === 'failed');
    for (const i of executed.filter((x) => x.outcome === 'skipped' && !announced.has(key(x)) && !failedFirst(items.indexOf(x)))) {
      if (!(check.allowSkips ?? []).some((re) => re.test(i.message ?? '')))
        out.push(`${planned.name}: planned ${key(i)}, but the run skipped it: ${i.message ?? '(no reason)'}`);
    }
    for (const i of executed.filter((x) => x.outcome === 'planned'))
      out.push(`${planned.name}: ${key(i)} still only planned in a real run`);
  }
  return out;
}

/** The run's plan as its journal's 'started' record holds it. */
export function journaledPlan(stateDir: string, runId: string): LoosePlan | undefined {
  const rec = readJournal(stateDir).find((r) => r.type === 'started' && r.runId === runId);
  return rec && rec.type === 'started' ? (rec.plan as LoosePlan) : undefined;
}

function assertPlanRun(t: Test, dry: LoosePlan, report: LooseReport, journaled: LoosePlan | undefined, check: PlanCheck): void {
  const problems = [
    ...planDifferences(dry, report.plan ?? { steps: [] }).map((p) => `dry run vs run: ${p}`),
    ...(journaled
      ? planDifferences(report.plan ?? { steps: [] }, journaled).map((p) => `report vs journal: ${p}`)
      : ['the journal has no started record of this run']),
    ...executionDifferences(report, check),
  ];
  t.same(
    problems,
    [],
    `plan = run: the dry run's plan is the plan the run journaled and executed (${dry.steps.reduce((n, s) => n + s.actions.length, 0)} actions)`,
  );
}

/** A dry run, then the real reset with the same options, checked against each other. */
export async function resetWithPlanCheck(
  t: Test,
  sweeper: Sweeper,
  opts: Omit<ResetOptions, 'dryRun'>,
  check: PlanCheck & { onEvent?: (e: ProgressEvent) => void; signal?: AbortSignal } = {},
): Promise<ResetReport> {
  const dry = await sweeper.plan({ ...opts, dryRun: true });
  const report = await sweeper.reset({ ...opts, dryRun: false }, check.onEvent, check.signal);
  assertPlanRun(t, dry, report, journaledPlan(sweeper.config.stateDir, report.runId), check);
  return report;
}

/** The same through the agent's gRPC API (reset request as the API takes it). */
export async function clientResetWithPlanCheck(
  t: Test,
  client: AgentTestClient,
  req: Record<string, unknown>,
  check: PlanCheck & { stateDir: string; onEvent?: (ev: any) => void },
): Promise<ResetOutcome> {
  const dry = await client.reset({ ...req, dryRun: true });
  if (dry.error || !dry.report) {
    t.fail(`the dry run before the reset failed: ${JSON.stringify(dry.error)}`);
    return client.reset(req, check.onEvent);
  }
  const out = await client.reset(req, check.onEvent);
  if (out.report) assertPlanRun(t, dry.report.plan, out.report, journaledPlan(check.stateDir, out.report.runId), check);
  return out;
}

/** The same through the compiled client (`kubesweep reset … --json`): args without --dry-run/--json. */
export async function cliResetWithPlanCheck(
  t: Test,
  args: readonly string[],
  check: PlanCheck & { stateDir: string },
): Promise<Awaited<ReturnType<typeof runClient>>> {
  const dry = await runClient([...args, '--dry-run', '--json']);
  const dryReport = JSON.parse(dry.stdout) as LooseReport;
  const r = await runClient([...args, '--json']);
  const report = JSON.parse(r.stdout) as LooseReport & { runId?: string };
  if (!dryReport.plan || !report.plan || !report.runId)
    t.fail(`no report from the dry run or the reset: ${dry.stdout.slice(0, 300)} / ${r.stdout.slice(0, 300)}`);
  else assertPlanRun(t, dryReport.plan, report, journaledPlan(check.stateDir, report.runId), check);
  return r;
}

/**
 * For a reset whose output is the human one (the client's live progress): the dry run taken
 * before, against the newest finished run in the agent's journal — the plan it journaled when it
 * started and the step results it journaled as each step ended.
 */
export function assertNewestRunKeptPlan(t: Test, dry: LoosePlan, stateDir: string, check: PlanCheck = {}): void {
  const journal = readJournal(stateDir);
  const last = journal.filter((r) => r.type === 'finished').pop();
  const plan = last && journaledPlan(stateDir, last.runId);
  if (!last || last.type !== 'finished' || !plan) {
    t.fail('plan = run: the journal has no finished run with its plan');
    return;
  }
  const steps = journal.flatMap((r) => (r.type === 'step' && r.runId === last.runId ? [r.step as LooseReport['steps'][number]] : []));
  assertPlanRun(t, dry, { plan, aborted: last.aborted, steps }, plan, check);
}
