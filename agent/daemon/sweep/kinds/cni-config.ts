// cni-config (opt-in): the old network plugin's files in the CNI conf dir, backed up under
// <state-dir>/backups/cni-config/<id>/ and then removed. Opt-in because it is configuration the
// operator (or the installer) put there, and nothing recreates it until the new plugin is
// deployed; only with scope all (the remaining pods' networks need it for their teardown).
import { lstatSync, readlinkSync } from 'node:fs';
import { CniConfFile, findCniConfFiles, readForBackup } from '../../host/cni-config';
import { readNoFollow } from '../../host/fsync';
import { resolveInside } from '../../host/paths';
import { actionsOf, type BackupFile, type LeaveEntry, type RemoveFile } from '../actions';
import { sha256 } from '../backup';
import { writeKindBackup } from '../kind-backup';
import { isFailed } from '../residue';
import { backUpThenRemove } from '../steps/backup-then-remove';
import { leaveEntries, leaveEntryActions } from '../steps/leave-entry';
import type { KindModule } from './kind';

/** The entry's sum, never followed: a link by its target text, a file by its bytes; else undefined. */
function currentSum(p: string): string | undefined {
  try {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return sha256(Buffer.from(readlinkSync(p)));
    return st.isFile() ? sha256(readNoFollow(p)) : undefined;
  } catch {
    return undefined;
  }
}

export const cniConfig: KindModule<'cni-config', CniConfFile[], BackupFile | RemoveFile | LeaveEntry> = {
  name: 'cni-config',
  phase: 'after-pods',
  residueKind: 'cni-config',
  read: (config) => (config.cniConfDir === '' ? undefined : findCniConfFiles(config.cniConfDir, config.cniConfPatterns, config.procRoot)),
  plan({ config, scope }, files) {
    if (config.cniConfDir === '') return { actions: [], note: 'no CNI conf dir configured' };
    if (!files) return { actions: [], note: 'the CNI conf dir was not read' };
    if (isFailed(files)) return { actions: [], note: `the CNI conf dir could not be read: ${files.error}` };
    if (scope !== 'all') return { actions: [], note: 'scope is restricted: the pods that stay need the CNI config for their teardown' };
    const actions: (BackupFile | RemoveFile | LeaveEntry)[] = [];
    const usual = files.filter((f) => f.odd === undefined);
    for (const f of usual) {
      resolveInside(f.path, [config.cniConfDir], 'CNI config file');
      const link = lstatSync(f.path, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(f.path) : undefined;
      actions.push({
        action: 'backup-file',
        target: f.path,
        detail: { name: f.name, size: f.size, sha256: currentSum(f.path) ?? '', ...(link !== undefined ? { link } : {}) },
      });
    }
    for (const f of usual)
      actions.push({ action: 'remove-file', target: f.path, detail: { name: f.name, sha256: currentSum(f.path) ?? '' } });
    actions.push(...leaveEntryActions(files.flatMap((f) => (f.odd ? [{ path: f.path, type: f.odd.type, why: f.odd.why }] : []))));
    return actions.length ? { actions } : { actions, note: `no file in ${config.cniConfDir} matches ${config.cniConfPatterns.join(' ')}` };
  },
  async run(rec, ctx) {
    const planned = actionsOf(rec.step.actions, 'backup-file');
    await backUpThenRemove(rec, ctx, {
      write: (id, now, names) =>
        void writeKindBackup(
          ctx.config.stateDir,
          'cni-config',
          id,
          ctx.node,
          now,
          planned
            .filter((a) => names.has(a.detail.name))
            .map((a) => {
              const { data, symlink } = readForBackup(a.target);
              return { name: a.detail.name, data, source: a.target, symlink };
            }),
        ),
      label: (id) => `cni-config/${id}`,
      currentSum,
      changed: 'skip',
      scope: [ctx.config.cniConfDir],
      what: 'CNI config file',
      backedUp: (id) => (rec.reason = `backed up in ${ctx.config.stateDir}/backups/cni-config/${id}`),
    });
    leaveEntries(rec);
  },
  check({ scope, steps }) {
    return steps.has('cni-config') && scope === 'all' ? { action: 'check', target: 'cni-config', detail: {} } : undefined;
  },
  async left(files, { config }) {
    if (files === undefined) return [];
    if (isFailed(files)) return [{ kind: 'cni-config', target: config.cniConfDir, why: `could not be checked: ${files.error}` }];
    return files.map((f) => ({
      kind: 'cni-config',
      target: f.path,
      why: f.odd ? f.odd.why : `CNI config matching ${f.pattern} still present (containerd loads the first file of ${config.cniConfDir})`,
    }));
  },
  async inventory(files) {
    if (isFailed(files)) return { rows: { cniConfigFiles: [] }, errors: [`cni-config: ${files.error}`] };
    return { rows: { cniConfigFiles: (files ?? []).map((f) => ({ path: f.path, size: f.size, pattern: f.pattern })) }, errors: [] };
  },
};
