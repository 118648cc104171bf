// Scoped deletion: kubesweep removes files only inside directories it was configured to clean
// (manifests dir, netns dirs, its own state dir). Every check resolves symlinks and `..`
// first, because a manifest named `x` that is really a link to /etc/passwd, or a netns dir
// entry reached through `../`, must never be what the engine deletes.
import { lstatSync, realpathSync, unlinkSync } from 'node:fs';
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
 * (the dir itself is never removed), and, when the entry is itself a symlink, unless its
 * target also resolves inside one of `dirs`.
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
  let isLink = false;
  try {
    isLink = lstatSync(entry).isSymbolicLink();
  } catch {
    /* absent: nothing to follow */
  }
  if (isLink) {
    let target: string | undefined;
    try {
      target = realpathSync(entry);
    } catch {
      target = undefined; // dangling link: removing the link itself is harmless
    }
    if (target !== undefined && !roots.some((r) => within(target, r) || target === r)) {
      refuse(`it is a symlink to ${target}, outside ${roots.join(', ')}`);
    }
  }
  return entry;
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

/** Unlink one entry after the scope check; 'gone' when it was not there. */
export function removeInside(p: string, dirs: readonly string[], what = 'file'): 'done' | 'gone' {
  const entry = resolveInside(p, dirs, what);
  try {
    unlinkSync(entry);
    return 'done';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
}
