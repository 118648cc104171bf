// What backup-manifests and cni-config share: take one complete backup of every planned file, and
// only then remove each file, unless it changed since the plan was made (its new content is in no
// backup). A backup that fails removes nothing.
import { ksError } from '../../../shared/errors';
import { removeInside } from '../../host/paths';
import { actionsOf } from '../actions';
import { newRunId } from '../backup';
import type { RunContext, StepRecorder } from '../recorder';

export interface BackupThenRemove {
  /** Write the whole backup of the files `names` under `id`, or throw (then nothing is removed). */
  write(id: string, now: Date, names: ReadonlySet<string>): void;
  /** How the report names the backup (`<id>`, `cni-config/<id>`). */
  label(id: string): string;
  /** The sha256 a planned file has now; undefined when it is gone. */
  currentSum(path: string): string | undefined;
  /** A file changed since the plan: a failed item (manifests) or a skipped one (config). */
  changed: 'fail' | 'skip';
  /** The dirs removals are scoped to, and what the refusal calls a file. */
  scope: readonly string[];
  what: string;
  /** Called once the backup is complete, before any removal. */
  backedUp?(id: string): void;
}

/** Runs the step's backup-file and remove-file actions. */
export async function backUpThenRemove(rec: StepRecorder, ctx: RunContext, o: BackupThenRemove): Promise<void> {
  const backups = actionsOf(rec.step.actions, 'backup-file');
  const removals = actionsOf(rec.step.actions, 'remove-file');
  if (backups.length === 0) return;
  const now = ctx.deps.now?.() ?? new Date();
  const id = newRunId(now);
  const t0 = Date.now();
  // A file that is no longer what the plan saw (its bytes, or a symlink swapped in: sums are of
  // the entry itself, never followed) goes into no backup and is left in place; the rest goes on.
  const changed = new Set(backups.filter((a) => o.currentSum(a.target) !== a.detail.sha256).map((a) => a.target));
  const kept = backups.filter((a) => !changed.has(a.target));
  if (kept.length > 0) {
    try {
      o.write(id, now, new Set(kept.map((a) => a.detail.name)));
    } catch (err) {
      const msg = (err as Error).message;
      for (const a of backups) rec.record(a.action, a.target, 'failed', Date.now() - t0, msg);
      for (const a of removals) rec.record(a.action, a.target, 'skipped', 0, 'not removed: the backup failed');
      rec.reason = msg;
      return;
    }
  }
  const dt = Date.now() - t0;
  const changedWhy = 'changed since the plan (or gone): in no backup, left in place';
  for (const a of backups)
    if (changed.has(a.target)) rec.record(a.action, a.target, 'skipped', 0, changedWhy);
    else rec.record(a.action, a.target, 'done', dt, `backup ${o.label(id)}`);
  if (kept.length > 0) o.backedUp?.(id);
  for (const a of removals) {
    if (changed.has(a.target)) {
      rec.record(a.action, a.target, 'skipped', 0, changedWhy);
      continue;
    }
    await rec.act(a.action, a.target, async () => {
      const sum = o.currentSum(a.target);
      if (sum === undefined) return { outcome: 'gone' };
      if (sum !== a.detail.sha256) {
        if (o.changed === 'skip') return { outcome: 'skipped', message: 'changed since the plan: left in place' };
        throw ksError('KS_BACKUP_FAILED', `${a.target} changed after backup ${id} was taken: left in place`, { path: a.target });
      }
      return { outcome: removeInside(a.target, o.scope, o.what), message: `backed up in ${o.label(id)}` };
    });
  }
}
