// backup-manifests: back up every static manifest, durably, and only then remove them. A manifest that
// changed after the backup was taken is left in place (its new content is in no backup).
// Required: without a complete backup, manifests must not be deleted.
import { readFileSync } from 'node:fs';
import { resolveInside } from '../../host/paths';
import { actionsOf, type BackupFile, type RemoveFile } from '../actions';
import { sha256, writeBackup } from '../backup';
import type { RunContext, StepRecorder } from '../recorder';
import type { Step } from '../step';
import { backUpThenRemove } from './backup-then-remove';

export const backupManifests: Step<'backup-manifests', BackupFile | RemoveFile> = {
  name: 'backup-manifests',
  required: true,
  plan({ config, snapshot }) {
    const actions: (BackupFile | RemoveFile)[] = [];
    for (const m of snapshot.manifests)
      actions.push({
        action: 'backup-file',
        target: `${config.manifestsDir}/${m.name}`,
        detail: { name: m.name, size: m.size, sha256: m.sha256 },
      });
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
  const { stateDir, manifestsDir } = ctx.config;
  const planned = actionsOf(rec.step.actions, 'backup-file').map((a) => ({ name: a.detail.name, sha256: a.detail.sha256 }));
  await backUpThenRemove(rec, ctx, {
    write: (id, now) => void writeBackup(stateDir, manifestsDir, planned, id, ctx.node, now),
    label: (id) => id,
    currentSum: (p) => {
      try {
        return sha256(readFileSync(p));
      } catch {
        return undefined;
      }
    },
    changed: 'fail',
    scope: [manifestsDir],
    what: 'manifest',
    backedUp: (id) => (ctx.backupId = id),
  });
}
