// cni-config (opt-in): the old network plugin's files in the CNI conf dir, backed up under
// <state-dir>/backups/cni-config/<id>/ and then removed. Opt-in because it is configuration the
// operator (or the installer) put there, and nothing recreates it until the new plugin is
// deployed; only with scope all (the remaining pods' networks need it for their teardown).
import { readFileSync, readlinkSync, lstatSync } from 'node:fs';
import { readForBackup } from '../../host/cni-config';
import { removeInside, resolveInside } from '../../host/paths';
import { actionsOf, type BackupFile, type RemoveFile } from '../actions';
import { newRunId, sha256 } from '../backup';
import { writeKindBackup } from '../kind-backup';
import type { Step } from '../step';

function currentSum(p: string): string | undefined {
  try {
    return lstatSync(p).isSymbolicLink() ? sha256(Buffer.from(readlinkSync(p))) : sha256(readFileSync(p));
  } catch {
    return undefined;
  }
}

export const cniConfig: Step<'cni-config', BackupFile | RemoveFile> = {
  name: 'cni-config',
  required: false,
  plan({ config, snapshot, scope }) {
    if (config.cniConfDir === '') return { actions: [], note: 'no CNI conf dir configured' };
    const files = snapshot.residue?.cniConfig;
    if (!files) return { actions: [], note: 'the CNI conf dir was not read' };
    if (scope !== 'all') return { actions: [], note: 'scope is restricted: the pods that stay need the CNI config for their teardown' };
    const actions: (BackupFile | RemoveFile)[] = [];
    for (const f of files) {
      resolveInside(f.path, [config.cniConfDir], 'CNI config file');
      actions.push({ action: 'backup-file', target: f.path, detail: { name: f.name, size: f.size, sha256: currentSum(f.path) ?? '' } });
    }
    for (const f of files) actions.push({ action: 'remove-file', target: f.path, detail: { name: f.name, sha256: currentSum(f.path) ?? '' } });
    return actions.length ? { actions } : { actions, note: `no file in ${config.cniConfDir} matches ${config.cniConfPatterns.join(' ')}` };
  },
  async run(rec, ctx) {
    const backups = actionsOf(rec.step.actions, 'backup-file');
    const removals = actionsOf(rec.step.actions, 'remove-file');
    if (backups.length === 0) return;
    const now = ctx.deps.now?.() ?? new Date();
    const id = newRunId(now);
    const t0 = Date.now();
    try {
      writeKindBackup(
        ctx.config.stateDir,
        'cni-config',
        id,
        ctx.node,
        now,
        backups.map((a) => {
          const { data, symlink } = readForBackup(a.target);
          return { name: a.detail.name, data, source: a.target, symlink };
        }),
      );
    } catch (err) {
      const msg = (err as Error).message;
      for (const a of backups) rec.record(a.action, a.target, 'failed', Date.now() - t0, msg);
      for (const a of removals) rec.record(a.action, a.target, 'skipped', 0, 'not removed: the backup failed');
      rec.reason = msg;
      return;
    }
    for (const a of backups) rec.record(a.action, a.target, 'done', Date.now() - t0, `backup cni-config/${id}`);
    rec.reason = `backed up in ${ctx.config.stateDir}/backups/cni-config/${id}`;
    for (const a of removals) {
      await rec.act(a.action, a.target, async () => {
        const sum = currentSum(a.target);
        if (sum === undefined) return { outcome: 'gone' };
        // Changed after the backup was taken: its new content is in no backup.
        if (sum !== a.detail.sha256) return { outcome: 'skipped', message: `changed since the plan: left in place` };
        return { outcome: removeInside(a.target, [ctx.config.cniConfDir], 'CNI config file'), message: `backed up in cni-config/${id}` };
      });
    }
  },
};
