// etcd-data (opt-in): a removed etcd member's data dir. A control-plane node that rejoins with it
// starts as the removed member and is refused ("the member has been permanently removed from the
// cluster", "member … has already been bootstrapped": kubernetes#81071, kubeadm#2138). Its
// entries are moved aside into `<dir>/kubesweep-backup-<id>/` (host/etcd-data.ts: a rename on its
// own filesystem, never a delete), and only while nothing runs on it: no process holds a file of
// it and nothing listens on etcd's ports (in-use.ts). Otherwise it stays, reported with the
// holder. Opt-in: the data is the cluster's state, and only the operator knows the member is gone.
import { newRunId } from '../backup';
import { actionsOf, type MoveAside } from '../actions';
import { ETCD_BACKUP_PREFIX, type EtcdDataScan, makeEtcdBackupDir, moveAside, scanEtcdData } from '../../host/etcd-data';
import { treeInodes } from '../../host/holders';
import { inUse, inUseReasons } from '../in-use';
import { isFailed } from '../residue';
import type { SweepConfig } from '../types';
import type { KindModule } from './kind';

export type EtcdDataResidue = EtcdDataScan & { inUse: string[] };

async function busy(config: SweepConfig, dir: string): Promise<string[]> {
  return inUseReasons(
    await inUse(
      config,
      treeInodes(dir, (n) => n.startsWith(ETCD_BACKUP_PREFIX)),
      config.etcdPorts,
    ),
  );
}

const held = (reasons: readonly string[]) => `etcd runs on it: ${reasons.join('; ')}`;

export const etcdData: KindModule<'etcd-data', EtcdDataResidue, MoveAside> = {
  name: 'etcd-data',
  phase: 'after-pods',
  residueKind: 'etcd-data',
  async read(config) {
    if (config.etcdDataDir === '') return undefined;
    const scan = scanEtcdData(config.etcdDataDir);
    const reasons = scan.absent || scan.symlink ? [] : await busy(config, config.etcdDataDir);
    return { ...scan, inUse: reasons };
  },
  plan({ config }, scan) {
    const dir = config.etcdDataDir;
    if (dir === '') return { actions: [], note: 'no etcd data dir configured' };
    if (!scan) return { actions: [], note: 'the etcd data dir was not read' };
    if (isFailed(scan)) return { actions: [], note: `the etcd data dir could not be read: ${scan.error}` };
    if (scan.absent) return { actions: [], note: `no etcd data dir at ${dir}` };
    if (scan.symlink) return { actions: [], note: `${dir} left in place: ${scan.symlink}` };
    if (scan.inUse.length) return { actions: [], note: `${dir} left in place: ${held(scan.inUse)}` };
    const actions = scan.entries
      .filter((e) => !e.unmovable)
      .map((e): MoveAside => ({
        action: 'move-aside',
        target: e.path,
        detail: { dataDir: dir, name: e.name, type: e.type, dev: e.dev, ino: e.ino },
      }));
    const kept = scan.entries.filter((e) => e.unmovable).map((e) => `${e.path} (${e.unmovable})`);
    const note = kept.length ? `left in place: ${kept.join('; ')}` : actions.length ? undefined : `${dir} is empty`;
    return note ? { actions, note } : { actions };
  },
  async run(rec, ctx) {
    const planned = actionsOf(rec.step.actions, 'move-aside');
    if (planned.length === 0) return;
    const dir = ctx.config.etcdDataDir;
    // Looked at again right before: an etcd started since the plan keeps its data.
    const reasons = await busy(ctx.config, dir);
    if (reasons.length) {
      for (const a of planned) rec.record(a.action, a.target, 'skipped', 0, `left in place: ${held(reasons)}`);
      rec.reason = held(reasons);
      return;
    }
    const id = newRunId(ctx.deps.now?.() ?? new Date());
    let backupDir: string;
    try {
      backupDir = makeEtcdBackupDir(dir, id);
    } catch (err) {
      for (const a of planned) rec.record(a.action, a.target, 'failed', 0, `not moved: ${(err as Error).message}`);
      rec.reason = (err as Error).message;
      return;
    }
    rec.reason = `moved aside into ${backupDir}`;
    for (const a of planned) await rec.act(a.action, a.target, async () => moveAside(dir, a.detail, backupDir));
  },
  check({ steps }) {
    return steps.has('etcd-data') ? { action: 'check', target: 'etcd-data', detail: {} } : undefined;
  },
  async left(scan, { config }) {
    if (scan === undefined) return [];
    const dir = config.etcdDataDir;
    if (isFailed(scan)) return [{ kind: 'etcd-data', target: dir, why: `could not be checked: ${scan.error}` }];
    if (scan.absent || scan.memberEntries === 0) return [];
    const why = `etcd member data present (${scan.memberEntries} entries in member/): an etcd started here comes up as the old member`;
    const reason = scan.symlink ? `; ${scan.symlink}` : scan.inUse.length ? `; ${held(scan.inUse)}` : '';
    return [{ kind: 'etcd-data', target: `${dir}/member`, why: why + reason }];
  },
  async inventory(scan) {
    if (isFailed(scan)) return { rows: { etcdData: [] }, errors: [`etcd-data: ${scan.error}`] };
    if (!scan) return { rows: { etcdData: [] }, errors: [] };
    const row = { dir: scan.dir, present: !scan.absent, memberEntries: scan.memberEntries, backups: scan.backups, inUse: scan.inUse };
    return { rows: { etcdData: [row] }, errors: [] };
  },
};
