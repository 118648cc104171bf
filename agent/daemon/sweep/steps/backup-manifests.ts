// backup-manifests: back up every static manifest, durably, and only then remove them. A manifest that
// changed after the backup was taken is left in place (its new content is in no backup). A
// symlinked manifest is backed up as the link (its target path recorded, never read) and the link
// removed; an entry that is no manifest (a mount, a FIFO…) is left in place and reported
// (docs/security.md, "Odd entries in a cleaned dir").
// Required: without a complete backup, manifests must not be deleted.
import { resolveInside } from '../../host/paths';
import { actionsOf, type BackupFile, type LeaveEntry, type RemoveFile } from '../actions';
import { manifestNow, writeBackup } from '../backup';
import type { RunContext, StepRecorder } from '../recorder';
import type { Step } from '../step';
import { backUpThenRemove } from './backup-then-remove';
import { leaveEntries, leaveEntryActions } from './leave-entry';

export const backupManifests: Step<'backup-manifests', BackupFile | RemoveFile | LeaveEntry> = {
  name: 'backup-manifests',
  required: true,
  plan({ config, snapshot }) {
    const actions: (BackupFile | RemoveFile | LeaveEntry)[] = [];
    for (const m of snapshot.manifests)
      actions.push({
        action: 'backup-file',
        target: `${config.manifestsDir}/${m.name}`,
        detail: { name: m.name, size: m.size, sha256: m.sha256, ...(m.link !== undefined ? { link: m.link } : {}) },
      });
    for (const m of snapshot.manifests) {
      const p = `${config.manifestsDir}/${m.name}`;
      resolveInside(p, [config.manifestsDir], 'manifest');
      actions.push({ action: 'remove-file', target: p, detail: { name: m.name, sha256: m.sha256 } });
    }
    actions.push(...leaveEntryActions(snapshot.manifestsOdd ?? []));
    return snapshot.manifests.length === 0 && actions.length === 0
      ? { actions, note: `no manifests in ${config.manifestsDir}` }
      : { actions };
  },
  run: runBackupManifests,
};

async function runBackupManifests(rec: StepRecorder, ctx: RunContext): Promise<void> {
  const { stateDir, manifestsDir } = ctx.config;
  const planned = actionsOf(rec.step.actions, 'backup-file').map((a) => ({ name: a.detail.name, sha256: a.detail.sha256 }));
  await backUpThenRemove(rec, ctx, {
    write: (id, now, names) =>
      void writeBackup(
        stateDir,
        manifestsDir,
        planned.filter((f) => names.has(f.name)),
        id,
        ctx.node,
        now,
      ),
    label: (id) => id,
    currentSum: (p) => manifestNow(p)?.sha256,
    changed: 'fail',
    scope: [manifestsDir],
    what: 'manifest',
    backedUp: (id) => (ctx.backupId = id),
  });
  leaveEntries(rec);
}
