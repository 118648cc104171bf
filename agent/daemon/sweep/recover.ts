// What a dead run leaves, put right by the next agent start and the next run: a run with
// 'started' and no 'finished' is journaled as interrupted (so the journal says what happened,
// not just stops), and a CNI teardown config it left in containerd's conf dir is taken out.
import type { Logger } from 'pino';
import { repairCniFallback, RepairResult } from './cni-fallback';
import { appendJournal, readJournalChecked } from './journal';

export interface Recovery {
  /** Runs found unfinished, now journaled as interrupted. */
  interrupted: { runId: string; startedAt: string; lastStep?: string }[];
  /** Journal lines that are not whole records (skipped, and said so in the log). */
  tornLines: number;
  cniFallback: RepairResult[];
}

export function recoverFromJournal(stateDir: string, log: Logger, detectedBy: string): Recovery {
  const open = new Map<string, { runId: string; startedAt: string; lastStep?: string }>();
  const { records, torn } = readJournalChecked(stateDir);
  if (torn.length)
    log.warn(
      { tornLines: torn.slice(0, 10), detectedBy },
      `the journal has ${torn.length} torn line${torn.length === 1 ? '' : 's'} (a write cut short): skipped`,
    );
  for (const r of records) {
    if (r.type === 'started') open.set(r.runId, { runId: r.runId, startedAt: r.at });
    else if (r.type === 'step') {
      const o = open.get(r.runId);
      const name = (r.step as { name?: unknown } | null)?.name;
      if (o && typeof name === 'string') o.lastStep = name;
    } else if (r.type === 'finished' || r.type === 'interrupted') open.delete(r.runId);
  }
  const interrupted = [...open.values()];
  for (const o of interrupted) {
    appendJournal(stateDir, {
      type: 'interrupted',
      runId: o.runId,
      at: new Date().toISOString(),
      detectedBy,
      startedAt: o.startedAt,
      ...(o.lastStep ? { lastStep: o.lastStep } : {}),
    });
    log.warn(
      { interruptedRun: o.runId, startedAt: o.startedAt, lastStep: o.lastStep, detectedBy },
      `run ${o.runId} was interrupted${o.lastStep ? ` after ${o.lastStep}` : ' before its first step finished'}`,
    );
  }
  return { interrupted, tornLines: torn.length, cniFallback: repairCniFallback(stateDir, log, detectedBy) };
}
