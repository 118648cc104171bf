// Static manifest backups: <stateDir>/backups/<id>/{index.json, files…}. A backup is written
// into a temp dir, every file and the dir fsync'ed, then renamed into place and the parent
// fsync'ed (host/fsync.ts writeDirDurable): a backup either exists completely or not at all.
// Only then may manifests go.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ksError, KubesweepError } from '../../shared/errors';
import { fsyncDir, readNoFollow, writeDirDurable, writeFileDurable } from '../host/fsync';
import { readMountinfo } from '../host/mountinfo';
import { entryTypeOf, type OddEntry } from '../host/paths';
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
  /** For a link: sha256 of its target text (docs/security.md: a symlinked manifest is backed up as the link). */
  sha256: string;
  /** A symlinked manifest: the path it pointed at, recorded, never read. */
  link?: string;
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

/**
 * What a manifests dir entry is now, never followed: a regular file by its bytes, a symlink by
 * the path it points at (sha256 of that text, the link recorded); undefined when it is gone or
 * is anything else (a FIFO would block a read).
 */
export function manifestNow(p: string): { sha256: string; size: number; mode: number; link?: string } | undefined {
  try {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) {
      const link = readlinkSync(p);
      return { sha256: sha256(Buffer.from(link)), size: Buffer.byteLength(link), mode: 0o777, link };
    }
    if (!st.isFile()) return undefined;
    const data = readNoFollow(p);
    return { sha256: sha256(data), size: data.length, mode: st.mode & 0o7777 };
  } catch {
    return undefined;
  }
}

export type ListedManifest = ManifestInfo & { mode: number; path: string; link?: string };

/**
 * The manifests dir, entry by entry and never followed (docs/security.md, "Odd entries"): regular
 * files and symlinks are manifests (a symlink is backed up and removed as the link); a mount, a
 * FIFO, socket or device is odd — left in place and reported; subdirectories are not manifests.
 */
export function scanManifestsDir(manifestsDir: string, procRoot = '/proc'): { manifests: ListedManifest[]; odd: OddEntry[] } {
  let names: string[];
  try {
    names = readdirSync(manifestsDir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { manifests: [], odd: [] };
    throw err;
  }
  const manifests: ListedManifest[] = [];
  const odd: OddEntry[] = [];
  let mounts: Map<string, string> | undefined;
  const mountAt = (p: string): string | undefined => {
    mounts ??= new Map(readMountinfo(procRoot).map((m) => [m.mountPoint, `${m.fsType} ${m.source}${m.root === '/' ? '' : `:${m.root}`}`]));
    return mounts.get(p);
  };
  for (const name of names) {
    const p = path.join(manifestsDir, name);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    const type = entryTypeOf(st);
    const mount = type === 'file' || type === 'dir' ? mountAt(p) : undefined;
    if (mount !== undefined) {
      odd.push({ path: p, type, why: `a mount (${mount}) where a manifest belongs: not unmounted, not read, left in place` });
      continue;
    }
    if (type === 'dir') continue;
    if (type !== 'file' && type !== 'symlink') {
      odd.push({ path: p, type, why: `a ${type}, not a manifest: never opened, left in place` });
      continue;
    }
    const now = manifestNow(p);
    if (now === undefined) continue;
    manifests.push({
      name,
      size: now.size,
      sha256: now.sha256,
      mode: now.mode,
      path: p,
      ...(now.link !== undefined ? { link: now.link } : {}),
    });
  }
  return { manifests, odd };
}

/** The snapshot's part: the manifests as the plan records them, and the odd entries that stay. */
export function manifestsSnapshot(
  manifestsDir: string,
  procRoot?: string,
): { manifests: (ManifestInfo & { link?: string })[]; manifestsOdd: OddEntry[] } {
  const { manifests, odd } = scanManifestsDir(manifestsDir, procRoot);
  return {
    manifests: manifests.map(({ name, size, sha256, link }) => ({ name, size, sha256, ...(link !== undefined ? { link } : {}) })),
    manifestsOdd: odd,
  };
}

/** The manifests (regular files and symlinks, as scanManifestsDir). */
export function listManifests(manifestsDir: string, procRoot?: string): ListedManifest[] {
  return scanManifestsDir(manifestsDir, procRoot).manifests;
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
        // Never followed: a symlinked manifest is recorded as the link (its target path).
        const now = manifestNow(src);
        if (now === undefined) throw new Error(`${src} is gone or no longer a file or symlink`);
        if (f.sha256 !== undefined && f.sha256 !== now.sha256) throw new Error(`${src} changed since the plan was made`);
        if (now.link !== undefined) index.files.push({ name: f.name, size: now.size, mode: now.mode, sha256: now.sha256, link: now.link });
        else index.files.push({ name: f.name, size: now.size, mode: now.mode, sha256: put(f.name, readNoFollow(src)) });
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
    if (f.link !== undefined) {
      if (typeof f.link !== 'string' || f.link === '' || sha256(Buffer.from(f.link)) !== f.sha256)
        throw ksError('KS_BACKUP_FAILED', `backup ${id}: ${f.name} does not match its index (sha256)`, { id, file: f.name });
      continue;
    }
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
    const cur = manifestNow(target);
    if (cur !== undefined && cur.sha256 === f.sha256 && (cur.link === undefined) === (f.link === undefined)) unchanged.push(f.name);
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
    if (f.link !== undefined) {
      // A symlinked manifest comes back as the link it was (the kubelet follows it, as before).
      symlinkSync(f.link, tmp);
      renameSync(tmp, path.join(manifestsDir, f.name));
      restored.push(f.name);
      continue;
    }
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
