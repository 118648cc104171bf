// A local etcd member's data dir (Kubespray host mode `etcd_data_dir`, kubeadm's etcd hostPath):
// what is in it, and moving its entries aside into `kubesweep-backup-<id>/` inside it. A rename
// within the dir never crosses a filesystem, also when the dir is itself a mount (an etcd disk);
// an entry on another filesystem (a mount inside the dir) is never moved. etcd only reads
// `member/` (and `proxy/`) of its data dir and warns about any other entry, so a backup dir
// inside it is inert, and a member started there again starts fresh.
import { lstatSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { ksError } from '../../shared/errors';
import { fsyncDir } from './fsync';
import { isInside, linkTargetInside } from './paths';

export const ETCD_BACKUP_PREFIX = 'kubesweep-backup-';

export interface EtcdEntry {
  name: string;
  path: string;
  type: 'dir' | 'file' | 'symlink' | 'other';
  dev: number;
  ino: number;
  /** Why it is never moved (a mount, a symlink leading outside); absent = movable. */
  unmovable?: string;
}

export interface EtcdDataScan {
  dir: string;
  /** The dir is missing: nothing to move. */
  absent?: boolean;
  /** The configured path is a symlink: never followed, nothing moved. */
  symlink?: string;
  dev: number;
  /** Entries other than earlier backups. */
  entries: EtcdEntry[];
  /** `member/` holds entries: a member started here restarts as the old one. */
  memberEntries: number;
  backups: string[];
}

const typeOf = (st: import('node:fs').Stats): EtcdEntry['type'] =>
  st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';

export function scanEtcdData(dir: string): EtcdDataScan {
  let top;
  try {
    top = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { dir, absent: true, dev: 0, entries: [], memberEntries: 0, backups: [] };
    throw err;
  }
  const none = { dir, dev: top.dev, entries: [], memberEntries: 0, backups: [] };
  if (top.isSymbolicLink()) return { ...none, symlink: 'it is a symlink: never followed, nothing moved' };
  if (!top.isDirectory()) return { ...none, symlink: 'it is not a directory: nothing moved' };
  const entries: EtcdEntry[] = [];
  const backups: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (name.startsWith(ETCD_BACKUP_PREFIX)) {
      backups.push(p);
      continue;
    }
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue; // gone in between
    }
    const e: EtcdEntry = { name, path: p, type: typeOf(st), dev: st.dev, ino: st.ino };
    if (st.dev !== top.dev) e.unmovable = 'another filesystem is mounted here: a rename would cross filesystems';
    else if (e.type === 'symlink' && !(isInside(p, [dir]) && linkTargetInside(p, [dir])))
      e.unmovable = 'a symlink leading outside the data dir';
    entries.push(e);
  }
  const member = entries.find((e) => e.name === 'member' && e.type === 'dir');
  let memberEntries = 0;
  if (member) {
    try {
      memberEntries = readdirSync(member.path).length;
    } catch {
      memberEntries = 0;
    }
  }
  return { dir, dev: top.dev, entries, memberEntries, backups };
}

/** Create `<dir>/kubesweep-backup-<id>` (0700); it lies on the dir's own filesystem by construction. */
export function makeEtcdBackupDir(dir: string, id: string): string {
  const out = path.join(dir, ETCD_BACKUP_PREFIX + id);
  mkdirSync(out, { mode: 0o700 });
  const st = lstatSync(out);
  if (st.dev !== lstatSync(dir).dev)
    throw ksError('KS_CROSS_FILESYSTEM', `${out} is not on the filesystem of ${dir}: nothing moved`, { dir });
  return out;
}

/**
 * Rename one entry of the data dir into the backup dir, unless it is no longer the entry the plan
 * saw (dev+ino) or lies on another filesystem. Never follows it: rename moves a symlink as a link.
 */
export function moveAside(
  dir: string,
  entry: Pick<EtcdEntry, 'name' | 'dev' | 'ino'>,
  backupDir: string,
): { outcome: 'done' | 'gone' | 'skipped'; message: string } {
  const p = path.join(dir, entry.name);
  if (entry.name.includes('/') || entry.name === '..' || entry.name === '.' || !isInside(backupDir, [dir]))
    throw ksError('KS_PATH_OUTSIDE_SCOPE', `refusing to move ${p} to ${backupDir}: outside ${dir}`, { path: p, scope: [dir] });
  let st;
  try {
    st = lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { outcome: 'gone', message: 'gone since the plan' };
    throw err;
  }
  if (st.dev !== entry.dev || st.ino !== entry.ino) return { outcome: 'skipped', message: 'replaced since the plan: left in place' };
  const dirDev = lstatSync(dir).dev;
  if (st.dev !== dirDev || lstatSync(backupDir).dev !== dirDev)
    throw ksError('KS_CROSS_FILESYSTEM', `${p} and ${backupDir} are not on one filesystem: not moved`, { path: p });
  renameSync(p, path.join(backupDir, entry.name));
  fsyncDir(dir);
  fsyncDir(backupDir);
  return { outcome: 'done', message: `moved to ${backupDir}` };
}
