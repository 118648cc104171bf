// Backups of what a reset removes that nothing recreates by itself: the full iptables rule sets
// (firewall) and the CNI config files (cni-config). Written like the manifest backup, complete or
// not at all (host/fsync.ts writeDirDurable), under
// <stateDir>/backups/<kind>/<id>/ with an index.json (name, size, sha256, where it came from).
// Manifest backups are <stateDir>/backups/<id>/; these never look like one.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ksError } from '../../shared/errors';
import { writeDirDurable } from '../host/fsync';
import { backupsDir, isBackupId } from './backup';

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
export function writeKindBackup(
  stateDir: string,
  kind: string,
  id: string,
  node: string,
  now: Date,
  files: readonly KindBackupFile[],
): KindBackupIndex {
  if (!isBackupId(id)) throw ksError('KS_INVALID_ARGUMENT', `bad backup id ${id}`);
  if (!/^[a-z][a-z-]*$/.test(kind)) throw ksError('KS_INVALID_ARGUMENT', `bad backup kind ${kind}`);
  const parent = path.join(backupsDir(stateDir), kind);
  const final = path.join(parent, id);
  try {
    return writeDirDurable(parent, id, (put): KindBackupIndex => {
      const index: KindBackupIndex = { kind, id, createdAt: now.toISOString(), node, files: [] };
      for (const f of files) {
        const data = typeof f.data === 'string' ? Buffer.from(f.data) : f.data;
        index.files.push({
          name: f.name,
          size: data.length,
          sha256: put(f.name, data),
          source: f.source,
          ...(f.symlink ? { symlink: true } : {}),
        });
      }
      return index;
    });
  } catch (err) {
    throw ksError(
      'KS_BACKUP_FAILED',
      `${kind} backup into ${final} failed, nothing was removed: ${(err as Error).message}`,
      { stateDir, kind, id },
      err,
    );
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
