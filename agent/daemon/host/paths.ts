// Scoped deletion: kubesweep removes files only inside directories it was configured to clean
// (manifests dir, netns dirs, its own state dir). Every check resolves the entry's directory
// (symlinks, `..`) first, because a netns dir entry reached through `../` must never be what the
// engine deletes. The entry itself is never followed: a manifest named `x` that is really a link
// to /etc/passwd is the link, and unlink(2) removes the link, never its target
// (docs/security.md, "Odd entries in a cleaned dir").
import { lstatSync, realpathSync, type Stats, unlinkSync } from 'node:fs';
import path from 'node:path';
import { ksError } from '../../shared/errors';

function realDir(dir: string): string | undefined {
  try {
    return realpathSync(dir);
  } catch {
    return undefined;
  }
}

function within(p: string, dir: string): boolean {
  return p.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/**
 * The entry `p` names, with its parent dir resolved (symlinks, `..`): this is what an unlink or
 * unmount acts on. Throws KS_PATH_OUTSIDE_SCOPE unless it lies strictly inside one of `dirs`
 * (the dir itself is never removed). A symlink entry is the link: where it points does not
 * matter, since unlink never follows it and unmounts go through unmountPinned (no follow).
 */
export function resolveInside(p: string, dirs: readonly string[], what = 'path'): string {
  const refuse = (why: string): never => {
    throw ksError('KS_PATH_OUTSIDE_SCOPE', `refusing to touch ${what} ${p}: ${why}`, { path: p, scope: [...dirs] });
  };
  if (!path.isAbsolute(p)) refuse('not an absolute path');
  const roots = dirs.map(realDir).filter((d): d is string => d !== undefined);
  if (roots.length === 0) refuse('none of the configured directories exists');
  const base = path.basename(p);
  if (base === '' || base === '.' || base === '..') refuse('names no entry');
  const parent = realDir(path.dirname(p));
  if (parent === undefined) refuse('its directory does not exist');
  const entry = path.join(parent!, base);
  if (!roots.some((r) => within(entry, r))) refuse(`it resolves to ${entry}, outside ${roots.join(', ')}`);
  return entry;
}

/** What an entry is, by lstat (never followed). */
export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'device' | 'other';

export function entryTypeOf(st: Stats): EntryType {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device';
  return 'other';
}

/** An entry of a cleaned dir that is not what its kind expects and is left in place: why, for the report. */
export interface OddEntry {
  path: string;
  type: EntryType;
  why: string;
}

/** An entry's identity as the plan saw it: re-checked right before it is acted on. */
export interface EntryIdentity {
  type: EntryType;
  dev: number;
  ino: number;
}

export function identityOf(p: string): EntryIdentity | undefined {
  try {
    const st = lstatSync(p);
    return { type: entryTypeOf(st), dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

/** Why `now` is not the entry the plan saw (type or lstat dev+ino), or undefined when it is. */
export function identityChange(want: EntryIdentity, now: EntryIdentity): string | undefined {
  if (now.type !== want.type) return `it was a ${want.type} when planned and is a ${now.type} now`;
  if (now.dev !== want.dev || now.ino !== want.ino) return `it was replaced since the plan (another ${now.type}: dev/inode differ)`;
  return undefined;
}

/**
 * For a kind that keeps only links pointing inside (kubelet-state): true when the symlink `p`
 * resolves inside one of `dirs` (a dangling link counts as inside: removing it is harmless).
 * Never used to decide what unlink acts on: that is always the link itself.
 */
export function linkTargetInside(p: string, dirs: readonly string[]): boolean {
  const roots = dirs.map(realDir).filter((d): d is string => d !== undefined);
  let target: string;
  try {
    target = realpathSync(p);
  } catch {
    return true;
  }
  return roots.some((r) => within(target, r) || target === r);
}

/** True when `p` would pass resolveInside. */
export function isInside(p: string, dirs: readonly string[]): boolean {
  try {
    resolveInside(p, dirs);
    return true;
  } catch {
    return false;
  }
}

/**
 * Unlink one entry (never followed) after the scope check; 'gone' when it was not there. With
 * `expect`, the entry is first checked to be the one the plan saw (type and lstat dev+ino), as
 * kill re-checks a pid's start time: anything else is KS_ENTRY_CHANGED and stays.
 */
export function removeInside(p: string, dirs: readonly string[], what = 'file', expect?: EntryIdentity): 'done' | 'gone' {
  const entry = resolveInside(p, dirs, what);
  if (expect) {
    const now = identityOf(entry);
    if (now === undefined) return 'gone';
    const change = identityChange(expect, now);
    if (change) throw ksError('KS_ENTRY_CHANGED', `${what} ${entry} left in place: ${change}`, { path: entry });
  }
  try {
    unlinkSync(entry);
    return 'done';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
}
