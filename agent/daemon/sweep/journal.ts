// The run journal: <stateDir>/journal, one JSON object per line, each appended whole or not at
// all (a failed write is cut back off) and fsync'ed. A run writes 'started' (with the whole plan)
// before it acts, one 'step' record as each step ends, and 'finished' last; a crash mid-run leaves
// the first records, which say exactly how far it got. The journal is never followed through a
// symlink (the state dir's own checks are in host/state-dir.ts).
import path from 'node:path';
import { appendRecordDurable, readNoFollow } from '../host/fsync';
import { ensureStateDir } from '../host/state-dir';

export type JournalRecord =
  | { type: 'started'; runId: string; at: string; node: string; requestedBy: string; plan: unknown }
  | { type: 'step'; runId: string; at: string; step: unknown }
  | {
      type: 'finished';
      runId: string;
      at: string;
      verdict?: string;
      backupId?: string;
      aborted?: string;
      durationMs: number;
      stepDurationsMs: Record<string, number>;
      report: unknown;
    }
  /**
   * The CNI teardown fallback (cni-fallback.ts): 'placing' is written, durably, before the
   * teardown config is; 'removed' after it is gone again. A 'placing' with neither 'removed' nor
   * 'repaired' after it names a file the next start (or run) must take out.
   */
  /**
   * A run that journaled 'started' but never 'finished' (the agent was killed or the machine
   * went down): written once, by the next agent start or run, naming the last step it recorded.
   */
  | { type: 'interrupted'; runId: string; at: string; detectedBy: string; lastStep?: string; startedAt: string }
  | {
      type: 'cni-fallback';
      runId: string;
      at: string;
      phase: 'placing' | 'removed' | 'repaired' | 'left';
      dir: string;
      path: string;
      sha256: string;
      sandboxes?: string[];
      note?: string;
    };

export function journalPath(stateDir: string): string {
  return path.join(stateDir, 'journal');
}

export function appendJournal(stateDir: string, rec: JournalRecord): void {
  ensureStateDir(stateDir);
  appendRecordDurable(journalPath(stateDir), JSON.stringify(rec));
}

/** Append, or say why not (the run goes on to report what it did instead of failing the call). */
export function tryAppendJournal(stateDir: string, rec: JournalRecord): string | undefined {
  try {
    appendJournal(stateDir, rec);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export interface JournalRead {
  records: JournalRecord[];
  /** Lines that are not one JSON object (a crash mid-write, a foreign edit): skipped. */
  torn: { line: number; start: string }[];
}

/** Read the journal back, skipping (and naming) every line that is not a whole record. */
export function readJournalChecked(stateDir: string): JournalRead {
  let text: string;
  try {
    text = readNoFollow(journalPath(stateDir)).toString('utf8');
  } catch {
    return { records: [], torn: [] };
  }
  const out: JournalRead = { records: [], torn: [] };
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const rec = JSON.parse(line) as unknown;
      if (rec === null || typeof rec !== 'object' || typeof (rec as { type?: unknown }).type !== 'string') throw new Error('not a record');
      out.records.push(rec as JournalRecord);
    } catch {
      out.torn.push({ line: i + 1, start: JSON.stringify(line.slice(0, 60)) });
    }
  });
  return out;
}

/** The journal's whole records (torn lines skipped: readJournalChecked names them). */
export function readJournal(stateDir: string): JournalRecord[] {
  return readJournalChecked(stateDir).records;
}
