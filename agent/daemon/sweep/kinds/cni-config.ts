// cni-config (opt-in): the old network plugin's files in the CNI conf dir, backed up under
// <state-dir>/backups/cni-config/<id>/ and then removed. Opt-in because it is configuration the
// operator (or the installer) put there, and nothing recreates it until the new plugin is
// deployed; only with scope all (the remaining pods' networks need it for their teardown).
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { CniConfFile, findCniConfFiles, readForBackup } from '../../host/cni-config';
import { resolveInside } from '../../host/paths';
import { actionsOf, type BackupFile, type RemoveFile } from '../actions';
import { sha256 } from '../backup';
import { writeKindBackup } from '../kind-backup';
import { isFailed } from '../residue';
import { backUpThenRemove } from '../steps/backup-then-remove';
import type { KindModule } from './kind';

function currentSum(p: string): string | undefined {
  try {
    return lstatSync(p).isSymbolicLink() ? sha256(Buffer.from(readlinkSync(p))) : sha256(readFileSync(p));
  } catch {
    return undefined;
  }
}

export const cniConfig: KindModule<'cni-config', CniConfFile[], BackupFile | RemoveFile> = {
  name: 'cni-config',
  phase: 'after-pods',
  residueKind: 'cni-config',
  read: (config) => (config.cniConfDir === '' ? undefined : findCniConfFiles(config.cniConfDir, config.cniConfPatterns)),
  plan({ config, scope }, files) {
    if (config.cniConfDir === '') return { actions: [], note: 'no CNI conf dir configured' };
    if (!files) return { actions: [], note: 'the CNI conf dir was not read' };
    if (isFailed(files)) return { actions: [], note: `the CNI conf dir could not be read: ${files.error}` };
    if (scope !== 'all') return { actions: [], note: 'scope is restricted: the pods that stay need the CNI config for their teardown' };
    const actions: (BackupFile | RemoveFile)[] = [];
    for (const f of files) {
      resolveInside(f.path, [config.cniConfDir], 'CNI config file');
      actions.push({ action: 'backup-file', target: f.path, detail: { name: f.name, size: f.size, sha256: currentSum(f.path) ?? '' } });
    }
    for (const f of files)
      actions.push({ action: 'remove-file', target: f.path, detail: { name: f.name, sha256: currentSum(f.path) ?? '' } });
    return actions.length ? { actions } : { actions, note: `no file in ${config.cniConfDir} matches ${config.cniConfPatterns.join(' ')}` };
  },
  async run(rec, ctx) {
    const planned = actionsOf(rec.step.actions, 'backup-file');
    await backUpThenRemove(rec, ctx, {
      write: (id, now) =>
        void writeKindBackup(
          ctx.config.stateDir,
          'cni-config',
          id,
          ctx.node,
          now,
          planned.map((a) => {
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
      why: `CNI config matching ${f.pattern} still present (containerd loads the first file of ${config.cniConfDir})`,
    }));
  },
  async inventory(files) {
    if (isFailed(files)) return { rows: { cniConfigFiles: [] }, errors: [`cni-config: ${files.error}`] };
    return { rows: { cniConfigFiles: (files ?? []).map((f) => ({ path: f.path, size: f.size, pattern: f.pattern })) }, errors: [] };
  },
};
