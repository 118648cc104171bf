// Step 2: back up every static manifest, durably, and only then remove them. A manifest that
// changed after the backup was taken is left in place (its new content is in no backup).
// Required: without a complete backup, manifests must not be deleted.
import { readFileSync } from 'node:fs';
import { ksError } from '../../../shared/errors';
import { removeInside, resolveInside } from '../../host/paths';
import { actionsOf, type BackupFile, type RemoveFile } from '../actions';
import { newRunId, sha256, writeBackup } from '../backup';
import type { RunContext, StepRecorder } from '../recorder';
import type { Step } from '../step';

export const backupManifests: Step<'backup-manifests', BackupFile | RemoveFile> = {
  name: 'backup-manifests',
  required: true,
  plan({ config, snapshot }) {
    const actions: (BackupFile | RemoveFile)[] = [];
    for (const m of snapshot.manifests) actions.push({ action: 'backup-file', target: `${config.manifestsDir}/${m.name}`, detail: { name: m.name, size: m.size, sha256: m.sha256 } });
    for (const m of snapshot.manifests) {
      const p = `${config.manifestsDir}/${m.name}`;
      resolveInside(p, [config.manifestsDir], 'manifest');
      actions.push({ action: 'remove-file', target: p, detail: { name: m.name, sha256: m.sha256 } });
    }
    return snapshot.manifests.length === 0 ? { actions, note: `no manifests in ${config.manifestsDir}` } : { actions };
  },
  run: runBackupManifests,
};

async function runBackupManifests(rec: StepRecorder, ctx: RunContext): Promise<void> {
  const backups = actionsOf(rec.step.actions, 'backup-file');
  const removals = actionsOf(rec.step.actions, 'remove-file');
  if (backups.length === 0) return;
  const now = ctx.deps.now?.() ?? new Date();
  const id = newRunId(now);
  const t0 = Date.now();
  try {
    writeBackup(
      ctx.config.stateDir,
      ctx.config.manifestsDir,
      backups.map((a) => ({ name: a.detail.name, sha256: a.detail.sha256 })),
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
      if (sha256(cur) !== a.detail.sha256) {
        throw ksError('KS_BACKUP_FAILED', `${a.target} changed after backup ${id} was taken: left in place`, { path: a.target });
      }
      return { outcome: removeInside(a.target, [ctx.config.manifestsDir], 'manifest'), message: `backed up in ${id}` };
    });
  }
}
