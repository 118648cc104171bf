// Step 2: back up every static manifest, durably, and only then remove them. A manifest that
// changed after the backup was taken is left in place (its new content is in no backup).
import { readFileSync } from 'node:fs';
import { ksError } from '../../../shared/errors';
import { removeInside } from '../../host/paths';
import { newRunId, sha256, writeBackup } from '../backup';
import type { RunContext, StepRecorder } from '../recorder';

export async function runBackupManifests(rec: StepRecorder, ctx: RunContext): Promise<void> {
  const backups = rec.step.actions.filter((a) => a.action === 'backup-file');
  const removals = rec.step.actions.filter((a) => a.action === 'remove-file');
  if (backups.length === 0) return;
  const now = ctx.deps.now?.() ?? new Date();
  const id = newRunId(now);
  const t0 = Date.now();
  try {
    writeBackup(
      ctx.config.stateDir,
      ctx.config.manifestsDir,
      backups.map((a) => ({ name: String(a.detail?.name), sha256: String(a.detail?.sha256) })),
      id,
      ctx.node,
      now,
    );
  } catch (err) {
    const msg = (err as Error).message;
    for (const a of backups) rec.record(a.action, a.target, 'failed', Date.now() - t0, msg);
    for (const a of removals) rec.record(a.action, a.target, 'skipped', 0, 'not removed: the backup failed');
    rec.reason = msg;
    return;
  }
  ctx.backupId = id;
  const dt = Date.now() - t0;
  for (const a of backups) rec.record(a.action, a.target, 'done', dt, `backup ${id}`);
  for (const a of removals) {
    await rec.act(a.action, a.target, async () => {
      let cur: Buffer;
      try {
        cur = readFileSync(a.target);
      } catch {
        return { outcome: 'gone' };
      }
      if (sha256(cur) !== a.detail?.sha256) {
        throw ksError('KS_BACKUP_FAILED', `${a.target} changed after backup ${id} was taken: left in place`, { path: a.target });
      }
      return { outcome: removeInside(a.target, [ctx.config.manifestsDir], 'manifest'), message: `backed up in ${id}` };
    });
  }
}
