// The run journal: <stateDir>/journal, one JSON object per line, each appended with a single
// write and fsync'ed. A run writes 'started' (with the whole plan) before it acts, one 'step'
// record as each step ends, and 'finished' last; a crash mid-run leaves the first records,
// which say exactly how far it got.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { appendLineDurable } from '../host/fsync';

export type JournalRecord =
  | { type: 'started'; runId: string; at: string; node: string; requestedBy: string; plan: unknown }
  | { type: 'step'; runId: string; at: string; step: unknown }
  | { type: 'finished'; runId: string; at: string; verdict?: string; backupId?: string; aborted?: string; durationMs: number; stepDurationsMs: Record<string, number>; report: unknown }
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
  | { type: 'cni-fallback'; runId: string; at: string; phase: 'placing' | 'removed' | 'repaired' | 'left'; dir: string; path: string; sha256: string; sandboxes?: string[]; note?: string };

export function journalPath(stateDir: string): string {
  return path.join(stateDir, 'journal');
}

export function appendJournal(stateDir: string, rec: JournalRecord): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  appendLineDurable(journalPath(stateDir), JSON.stringify(rec));
}

/** Read the journal back; a torn last line (crash during the write) is skipped. */
export function readJournal(stateDir: string): JournalRecord[] {
  let text: string;
  try {
    text = readFileSync(journalPath(stateDir), 'utf8');
  } catch {
    return [];
  }
  const out: JournalRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalRecord);
    } catch {
      /* torn line */
    }
  }
  return out;
}
