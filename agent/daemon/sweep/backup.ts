// Static manifest backups: <stateDir>/backups/<id>/{index.json, files…}. A backup is written
// into a temp dir, every file and the dir fsync'ed, then renamed into place and the parent
// fsync'ed (host/fsync.ts writeDirDurable): a backup either exists completely or not at all.
// Only then may manifests go.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ksError, KubesweepError } from '../../shared/errors';
import { fsyncDir, readNoFollow, writeDirDurable, writeFileDurable } from '../host/fsync';
import type { BackupInfo, ManifestInfo, RestoreResult } from './types';

const BACKUP_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function isBackupId(id: string): boolean {
  return BACKUP_ID.test(id);
}

/** `20261129T110203Z-3fa9c1`: sortable by time, unique by the random tail. */
export function newRunId(now: Date = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${ts}-${randomBytes(3).toString('hex')}`;
}

export interface BackupFile {
  name: string;
  size: number;
  /** Permission bits, e.g. 0o600. */
  mode: number;
  sha256: string;
}

export interface BackupIndex {
  id: string;
  createdAt: string;
  node: string;
  manifestsDir: string;
  files: BackupFile[];
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

export function backupsDir(stateDir: string): string {
  return path.join(stateDir, 'backups');
}

/** The regular files of the manifests dir (subdirs and special files are not manifests). */
export function listManifests(manifestsDir: string): (ManifestInfo & { mode: number; path: string })[] {
  let names: string[];
  try {
    names = readdirSync(manifestsDir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: (ManifestInfo & { mode: number; path: string })[] = [];
  for (const name of names) {
    const p = path.join(manifestsDir, name);
    let st;
    try {
      st = statSync(p); // follows a symlinked manifest: the kubelet would, too
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    const data = readFileSync(p);
    out.push({ name, size: data.length, sha256: sha256(data), mode: st.mode & 0o7777, path: p });
  }
  return out;
}

/**
 * Copy `files` (names in manifestsDir, with the sha256 the plan saw) into a new backup.
 * Throws KS_BACKUP_FAILED if anything cannot be written, or if a manifest changed since it
 * was planned; the temp dir is removed and no manifest is touched.
 */
export function writeBackup(
  stateDir: string,
  manifestsDir: string,
  files: readonly { name: string; sha256?: string }[],
  id: string,
  node: string,
  now: Date,
): BackupIndex {
  if (!isBackupId(id)) throw ksError('KS_INVALID_ARGUMENT', `bad backup id ${id}`);
  const parent = backupsDir(stateDir);
  const final = path.join(parent, id);
  try {
    return writeDirDurable(parent, id, (put): BackupIndex => {
      const index: BackupIndex = { id, createdAt: now.toISOString(), node, manifestsDir, files: [] };
      for (const f of files) {
        const src = path.join(manifestsDir, f.name);
        const data = readFileSync(src);
        const mode = statSync(src).mode & 0o7777;
        if (f.sha256 !== undefined && f.sha256 !== sha256(data)) throw new Error(`${src} changed since the plan was made`);
        index.files.push({ name: f.name, size: data.length, mode, sha256: put(f.name, data) });
      }
      return index;
    });
  } catch (err) {
    if (err instanceof KubesweepError) throw err;
    throw ksError(
      'KS_BACKUP_FAILED',
      `manifest backup into ${final} failed, nothing was removed: ${(err as Error).message}`,
      { stateDir, manifestsDir, id },
      err,
    );
  }
}

export function readBackupIndex(stateDir: string, id: string): BackupIndex {
  if (!isBackupId(id)) throw ksError('KS_INVALID_ARGUMENT', `not a backup id: ${JSON.stringify(id)}`, { id });
  const file = path.join(backupsDir(stateDir), id, 'index.json');
  let text: string;
  try {
    text = readNoFollow(file).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw ksError('KS_BACKUP_FAILED', `backup ${id}: index.json is a symlink: refused`, { id });
    throw ksError('KS_BACKUP_NOT_FOUND', `no backup ${id} in ${backupsDir(stateDir)}`, { id });
  }
  const idx = JSON.parse(text) as BackupIndex;
  // A backup is what its dir name says: an index claiming another id (or time) is not trusted.
  if (idx.id !== id) throw ksError('KS_BACKUP_FAILED', `backup ${id}: its index claims id ${JSON.stringify(idx.id)}: refused`, { id });
  for (const f of idx.files) {
    // An index is data from disk: never let a name in it escape the backup dir.
    if (f.name.includes('/') || f.name === '..' || f.name === '.' || f.name === '') {
      throw ksError('KS_BACKUP_FAILED', `backup ${id} index names an invalid file ${JSON.stringify(f.name)}`, { id });
    }
  }
  return idx;
}

export function listBackups(stateDir: string): BackupInfo[] {
  let names: string[];
  try {
    names = readdirSync(backupsDir(stateDir));
  } catch {
    return [];
  }
  const out: BackupInfo[] = [];
  for (const name of names.filter(isBackupId).sort()) {
    try {
      const idx = readBackupIndex(stateDir, name);
      out.push({ id: idx.id, createdAt: idx.createdAt, files: idx.files.length, bytes: idx.files.reduce((n, f) => n + f.size, 0) });
    } catch {
      /* incomplete or foreign dir: not a backup */
    }
  }
  // Oldest first by id (its UTC second), then by the time the index gives within that second:
  // ids of one second differ only in a random tail. An index's time never moves a backup out of
  // its id's second, so no planted index can make itself "the newest".
  const second = (id: string): string => id.slice(0, 16);
  const within = (b: BackupInfo): string =>
    b.createdAt.replace(/[-:]/g, '').startsWith(second(b.id).replace(/Z$/, '')) ? b.createdAt : '';
  return out.sort((a, b) =>
    second(a.id) < second(b.id)
      ? -1
      : second(a.id) > second(b.id)
        ? 1
        : within(a) < within(b)
          ? -1
          : within(a) > within(b)
            ? 1
            : a.id < b.id
              ? -1
              : a.id > b.id
                ? 1
                : 0,
  );
}

/**
 * Put a backup back into manifestsDir byte-identical (content and mode). Files already there
 * with the same content are left alone; a file there with different content refuses the
 * whole restore (KS_RESTORE_CONFLICT) before anything is written.
 */
export function restoreBackup(stateDir: string, manifestsDir: string, backupId?: string): RestoreResult {
  let id = backupId;
  if (id === undefined) {
    const all = listBackups(stateDir);
    if (all.length === 0) throw ksError('KS_BACKUP_NOT_FOUND', `no manifest backups in ${backupsDir(stateDir)}`);
    id = all[all.length - 1].id;
  }
  const idx = readBackupIndex(stateDir, id);
  const dir = path.join(backupsDir(stateDir), id);
  const datas = new Map<string, Buffer>();
  for (const f of idx.files) {
    let data: Buffer;
    try {
      data = readNoFollow(path.join(dir, f.name));
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'is a symlink' : (err as Error).message;
      throw ksError('KS_BACKUP_FAILED', `backup ${id}: ${f.name} ${why}: refused, nothing restored`, { id, file: f.name });
    }
    if (sha256(data) !== f.sha256)
      throw ksError('KS_BACKUP_FAILED', `backup ${id}: ${f.name} does not match its index (sha256)`, { id, file: f.name });
    datas.set(f.name, data);
  }
  const restored: string[] = [];
  const unchanged: string[] = [];
  const conflicts: string[] = [];
  for (const f of idx.files) {
    const target = path.join(manifestsDir, f.name);
    if (!existsSync(target) && !isDanglingLink(target)) continue;
    const cur = lstatSync(target).isFile() ? readFileSync(target) : undefined;
    if (cur !== undefined && sha256(cur) === f.sha256) unchanged.push(f.name);
    else conflicts.push(f.name);
  }
  if (conflicts.length) {
    throw ksError(
      'KS_RESTORE_CONFLICT',
      `restoring backup ${id} would overwrite ${conflicts.join(', ')} in ${manifestsDir}, which differ from the backup`,
      { id, conflicts },
    );
  }
  mkdirSync(manifestsDir, { recursive: true });
  for (const f of idx.files) {
    if (unchanged.includes(f.name)) continue;
    // A dot-name temp file: the kubelet ignores hidden files in the manifests dir.
    const tmp = path.join(manifestsDir, `.kubesweep-restore-${f.name}`);
    rmSync(tmp, { force: true });
    // wx creates (O_EXCL: never through a symlink); the mode is what a manifest may have.
    writeFileDurable(tmp, datas.get(f.name)!, restoredMode(f.mode));
    chmodSync(tmp, restoredMode(f.mode));
    renameSync(tmp, path.join(manifestsDir, f.name));
    restored.push(f.name);
  }
  fsyncDir(manifestsDir);
  return { backupId: id, restored, unchanged };
}

/**
 * A restored manifest's mode: the recorded one, but never more than 0644 — no setuid, setgid,
 * sticky or execute bits, nothing writable by group or others: a manifest is read, never run,
 * and an index is data from disk.
 */
export function restoredMode(recorded: number): number {
  return (Number.isInteger(recorded) ? recorded : 0o600) & 0o644;
}

function isDanglingLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
