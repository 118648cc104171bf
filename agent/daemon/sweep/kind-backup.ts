// Backups of what a reset removes that nothing recreates by itself: the full iptables rule sets
// (firewall) and the CNI config files (cni-config). Same durability as the manifest backup — a
// temp dir, every file and the dir fsync'ed, renamed into place — under
// <stateDir>/backups/<kind>/<id>/ with an index.json (name, size, sha256, where it came from).
// Manifest backups are <stateDir>/backups/<id>/; these never look like one.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ksError } from '../../shared/errors';
import { fsyncDir, writeFileDurable } from '../host/fsync';
import { backupsDir, isBackupId, sha256 } from './backup';

export interface KindBackupFile {
  name: string;
  data: Buffer | string;
  /** Where it came from (a path, or the tool that printed it). */
  source: string;
  /** A symlink backed up as its target text. */
  symlink?: boolean;
}

export interface KindBackupIndex {
  kind: string;
  id: string;
  createdAt: string;
  node: string;
  files: { name: string; size: number; sha256: string; source: string; symlink?: boolean }[];
}

export function kindBackupDir(stateDir: string, kind: string, id: string): string {
  return path.join(backupsDir(stateDir), kind, id);
}

/** Write one backup completely or not at all; throws KS_BACKUP_FAILED (the caller then removes nothing). */
export function writeKindBackup(stateDir: string, kind: string, id: string, node: string, now: Date, files: readonly KindBackupFile[]): KindBackupIndex {
  if (!isBackupId(id)) throw ksError('KS_INVALID_ARGUMENT', `bad backup id ${id}`);
  if (!/^[a-z][a-z-]*$/.test(kind)) throw ksError('KS_INVALID_ARGUMENT', `bad backup kind ${kind}`);
  const parent = path.join(backupsDir(stateDir), kind);
  const tmp = path.join(parent, `.tmp-${id}`);
  const final = path.join(parent, id);
  try {
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    mkdirSync(tmp, { mode: 0o700 });
    const index: KindBackupIndex = { kind, id, createdAt: now.toISOString(), node, files: [] };
    for (const f of files) {
      if (f.name.includes('/') || f.name === '' || f.name === '.' || f.name === '..' || f.name === 'index.json') throw new Error(`invalid backup file name ${JSON.stringify(f.name)}`);
      const data = typeof f.data === 'string' ? Buffer.from(f.data) : f.data;
      writeFileDurable(path.join(tmp, f.name), data, 0o600);
      const sum = sha256(data);
      if (sha256(readFileSync(path.join(tmp, f.name))) !== sum) throw new Error(`copy of ${f.source} does not read back identical`);
      index.files.push({ name: f.name, size: data.length, sha256: sum, source: f.source, ...(f.symlink ? { symlink: true } : {}) });
    }
    writeFileDurable(path.join(tmp, 'index.json'), JSON.stringify(index, null, 2) + '\n', 0o600);
    fsyncDir(tmp);
    renameSync(tmp, final);
    fsyncDir(parent);
    return index;
  } catch (err) {
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {
      /* a stale .tmp- dir is never listed */
    }
    throw ksError('KS_BACKUP_FAILED', `${kind} backup into ${final} failed, nothing was removed: ${(err as Error).message}`, { stateDir, kind, id }, err);
  }
}

/** Complete backups of one kind, oldest first. */
export function listKindBackups(stateDir: string, kind: string): KindBackupIndex[] {
  const dir = path.join(backupsDir(stateDir), kind);
  let names: string[];
  try {
    names = readdirSync(dir).filter(isBackupId).sort();
  } catch {
    return [];
  }
  const out: KindBackupIndex[] = [];
  for (const n of names) {
    try {
      out.push(JSON.parse(readFileSync(path.join(dir, n, 'index.json'), 'utf8')) as KindBackupIndex);
    } catch {
      /* incomplete: not a backup */
    }
  }
  return out;
}
