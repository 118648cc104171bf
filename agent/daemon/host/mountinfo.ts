// /proc/self/mountinfo: which mounts a dead shim left behind (container rootfs overlays, pod
// shm tmpfs, netns bind mounts), and the lazy unmount that releases them.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ksError } from '../../shared/errors';
import { resolveInside } from './paths';

const execFileP = promisify(execFile);

export interface MountEntry {
  id: number;
  parentId: number;
  /** Root of the mount within its filesystem. */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Mountinfo escapes space, tab, newline and backslash as \ooo octal. */
export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Parse mountinfo text (proc(5)): `id parent maj:min root mountpoint opts [optional…] - fstype
 * source superopts`. Lines that do not have this shape are skipped and counted.
 */
export function parseMountinfo(text: string): { mounts: MountEntry[]; malformed: number } {
  const mounts: MountEntry[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    const id = Number(f[0]);
    const parentId = Number(f[1]);
    if (f.length < 7 || sep < 0 || sep + 2 >= f.length + 1 || !Number.isInteger(id) || !Number.isInteger(parentId) || !f[4]) {
      malformed++;
      continue;
    }
    mounts.push({
      id,
      parentId,
      root: unescapeMountPath(f[3]),
      mountPoint: unescapeMountPath(f[4]),
      fsType: f[sep + 1] ?? '',
      source: unescapeMountPath(f[sep + 2] ?? ''),
    });
  }
  return { mounts, malformed };
}

export function readMountinfo(procRoot = '/proc'): MountEntry[] {
  return parseMountinfo(readFileSync(path.join(procRoot, 'self', 'mountinfo'), 'utf8')).mounts;
}

/** Mount points strictly below one of `dirs`, deepest first, each once. */
export function mountPointsUnder(mounts: readonly MountEntry[], dirs: readonly string[]): string[] {
  const roots = dirs.map((d) => path.resolve(d));
  const set = new Set<string>();
  for (const m of mounts) if (roots.some((r) => m.mountPoint.startsWith(r + '/'))) set.add(m.mountPoint);
  return [...set].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/**
 * `umount -l` (util-linux) one mount point after checking it lies inside `scope`. Lazy: a mount
 * still in use by a dying process is detached now and released when the last user goes.
 * Returns 'gone' when it was not mounted.
 */
export async function lazyUnmount(mountPoint: string, scope: readonly string[], procRoot = '/proc'): Promise<'done' | 'gone'> {
  // A mount point whose directory is gone cannot be mounted: containerd cleaned it up.
  if (!existsSync(path.dirname(mountPoint))) return 'gone';
  const entry = resolveInside(mountPoint, scope, 'mount point');
  if (!readMountinfo(procRoot).some((m) => m.mountPoint === entry)) return 'gone';
  try {
    await execFileP('umount', ['-l', entry], { timeout: 30_000 });
    return 'done';
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw ksError('KS_UNMOUNT_FAILED', `umount -l ${entry} failed: ${(e.stderr || e.message).trim()}`, { mountPoint: entry }, err);
  }
}
