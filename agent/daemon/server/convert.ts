// Engine documents → kubesweep.v1 messages. Most shapes are the same (the proto mirrors the
// JSON), the exceptions are spelled out here: scope 'all' is an empty list, plan details are
// JSON texts, durations are whole milliseconds.
import type { Listener, PortCheck, PortReport } from '../ports/types';
import type { Inventory, Plan, ProgressEvent, ResetReport, RestoreResult, StepResult } from '../sweep/types';
import type { NodeFactsView } from './engine';

const ms = (n: number | undefined): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.min(Math.round(n), 0xffffffff) : 0);

export function planMsg(p: Plan): Record<string, unknown> {
  return {
    node: p.node,
    createdAt: p.createdAt,
    dryRun: p.dryRun,
    scope: p.scope === 'all' ? [] : [...p.scope],
    graceSeconds: p.graceSeconds,
    steps: p.steps.map((s) => ({
      name: s.name,
      required: s.required,
      actions: s.actions.map((a) => ({
        step: a.step,
        action: a.action,
        target: a.target,
        detail: Object.fromEntries(Object.entries(a.detail ?? {}).map(([k, v]) => [k, JSON.stringify(v) ?? 'null'])),
      })),
    })),
  };
}

function stepMsg(s: StepResult): Record<string, unknown> {
  return {
    ...s,
    durationMs: ms(s.durationMs),
    items: s.items.map((i) => ({ ...i, message: i.message ?? '', durationMs: ms(i.durationMs) })),
  };
}

export function listenerMsg(l: Listener): Record<string, unknown> {
  return l as unknown as Record<string, unknown>;
}

export function reportMsg(r: ResetReport): Record<string, unknown> {
  return {
    runId: r.runId,
    node: r.node,
    requestedBy: r.requestedBy,
    dryRun: r.dryRun,
    plan: planMsg(r.plan),
    steps: r.steps.map(stepMsg),
    verification: r.verification
      ? {
          verdict: r.verification.verdict,
          residue: r.verification.residue.map((x) => ({ ...x, listeners: (x.listeners ?? []).map(listenerMsg) })),
          checkedPorts: r.verification.checkedPorts,
        }
      : undefined,
    backupId: r.backupId ?? '',
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: ms(r.durationMs),
    aborted: r.aborted ?? '',
  };
}

export function progressMsg(e: ProgressEvent): Record<string, unknown> {
  switch (e.type) {
    case 'step-started':
      return { type: e.type, step: e.step, planned: e.planned };
    case 'item-done':
      return { type: e.type, step: e.step, action: e.action, target: e.target, outcome: e.outcome, message: e.message ?? '' };
    case 'item-failed':
      return { type: e.type, step: e.step, action: e.action, target: e.target, outcome: 'failed', message: e.message };
    case 'step-finished':
      return { type: e.type, step: e.step, status: e.status, durationMs: ms(e.durationMs) };
  }
}

export function portReportMsg(r: PortReport): Record<string, unknown> {
  return { listeners: r.listeners.map(listenerMsg), malformedLines: r.malformedLines, netnsScanned: r.netnsScanned, generatedAt: r.generatedAt };
}

export function portCheckMsg(c: PortCheck): Record<string, unknown> {
  return { allFree: c.allFree, ports: c.ports.map((p) => ({ port: p.port, held: p.held, listeners: p.listeners.map(listenerMsg) })) };
}

export function inventoryMsg(i: Inventory): Record<string, unknown> {
  return { ...i, criError: i.criError ?? '' };
}

export function restoreMsg(r: RestoreResult): Record<string, unknown> {
  return { backupId: r.backupId, restored: r.restored, unchanged: r.unchanged };
}

export function factsMsg(f: NodeFactsView): Record<string, unknown> {
  return {
    os: f.os ?? '',
    kernel: f.kernel ?? '',
    hostname: f.hostname ?? '',
    arch: f.arch ?? '',
    cpus: f.cpus ?? 0,
    memoryBytes: f.memoryBytes ?? 0,
    uptimeSeconds: Math.round(f.uptimeSeconds ?? 0),
  };
}
