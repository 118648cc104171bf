// /proc/self/mountinfo: which mounts a dead shim left behind (container rootfs overlays, pod
// shm tmpfs, netns bind mounts), and the lazy unmount that releases them.
import { spawn } from 'node:child_process';
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ksError } from '../../shared/errors';
import { type EntryIdentity, entryTypeOf, identityChange, identityOf, resolveInside } from './paths';

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

/**
 * A lookup "what is mounted at this path?" over one read of the mount table (on first use),
 * by the path's real location (its dir resolved: /var/run → /run); undefined when nothing is.
 * No mount table to read (a fixture /proc): nothing is mounted.
 */
export function mountLookup(procRoot = '/proc'): (p: string) => string | undefined {
  let table: Map<string, string> | undefined;
  return (p) => {
    if (!table) {
      try {
        table = new Map(readMountinfo(procRoot).map((m) => [m.mountPoint, `${m.fsType} ${m.source}${m.root === '/' ? '' : `:${m.root}`}`]));
      } catch {
        table = new Map<string, string>();
      }
    }
    let real = p;
    try {
      real = path.join(realpathSync(path.dirname(p)), path.basename(p));
    } catch {
      /* its dir is gone: looked up as given */
    }
    return table.get(real);
  };
}

/** Mount points strictly below one of `dirs`, deepest first, each once. */
export function mountPointsUnder(mounts: readonly MountEntry[], dirs: readonly string[]): string[] {
  const roots = dirs.map((d) => path.resolve(d));
  const set = new Set<string>();
  for (const m of mounts) if (roots.some((r) => m.mountPoint.startsWith(r + '/'))) set.add(m.mountPoint);
  return [...set].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** open(2)'s O_PATH (Linux): a handle on the entry itself, nothing read, no device opened. */
const O_PATH = 0o10000000;

/**
 * Unmount exactly the mount at `entry` (already scope-checked), never through a symlink:
 * `umount` follows a symlink even with --no-canonicalize (checked here: it unmounts the link's
 * target). So the entry is opened O_PATH|O_NOFOLLOW, its type (and, with `expect`, its lstat
 * identity as the plan saw it) is checked on that handle, its path as the kernel sees it must
 * be `entry` (no directory on the way swapped for a symlink), and umount is given
 * /proc/self/fd/3 — the handle — so what is unmounted is what was checked. A symlink is never
 * unmounted ('gone': nothing is mounted on a link). Returns 'gone' when nothing is mounted there.
 */
export async function unmountPinned(
  entry: string,
  opts: { lazy: boolean; procRoot?: string; expect?: EntryIdentity },
): Promise<'done' | 'gone'> {
  let fd: number;
  try {
    fd = openSync(entry, O_PATH | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw ksError('KS_UNMOUNT_FAILED', `${entry} cannot be opened to unmount: ${(err as Error).message}`, { mountPoint: entry }, err);
  }
  try {
    const st = fstatSync(fd);
    const type = entryTypeOf(st);
    // Nothing is mounted on a link; a link where the plan saw something else is a swap.
    if (type === 'symlink' && opts.expect !== undefined && opts.expect.type !== 'symlink')
      throw ksError('KS_ENTRY_CHANGED', `mount point ${entry} left in place: it is a symlink now`, { mountPoint: entry });
    if (type === 'symlink') return 'gone';
    const seen = readlinkSync(`/proc/self/fd/${fd}`);
    if (seen !== entry)
      throw ksError('KS_ENTRY_CHANGED', `mount point ${entry} left in place: it is reached as ${seen} now`, { mountPoint: entry });
    if (!readMountinfo(opts.procRoot).some((m) => m.mountPoint === entry)) return 'gone';
    if (opts.expect) {
      const change = identityChange(opts.expect, { type, dev: st.dev, ino: st.ino });
      if (change) throw ksError('KS_ENTRY_CHANGED', `mount point ${entry} left in place: ${change}`, { mountPoint: entry });
    }
    // Lazy: umount the handle itself. Not lazy: a handle on the mount keeps it busy, so the
    // parent dir is pinned instead and the entry re-checked by lstat (same dev+ino, no link);
    // a mount point cannot be renamed or unlinked while mounted, so it cannot be swapped after.
    let pinned = fd;
    let target = '/proc/self/fd/3';
    if (!opts.lazy) {
      closeSync(fd);
      fd = openSync(path.dirname(entry), O_PATH | constants.O_DIRECTORY);
      pinned = fd;
      if (readlinkSync(`/proc/self/fd/${fd}`) !== path.dirname(entry))
        throw ksError('KS_ENTRY_CHANGED', `mount point ${entry} left in place: its dir was swapped`, { mountPoint: entry });
      const again = identityOf(entry);
      const change = again ? identityChange({ type, dev: st.dev, ino: st.ino }, again) : 'it is gone';
      if (change) throw ksError('KS_ENTRY_CHANGED', `mount point ${entry} left in place: ${change}`, { mountPoint: entry });
      target = `/proc/self/fd/3/${path.basename(entry)}`;
    }
    const args = [...(opts.lazy ? ['-l'] : []), '--no-canonicalize', target];
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('umount', args, { stdio: ['ignore', 'ignore', 'pipe', pinned], env: { ...process.env, LC_ALL: 'C' } });
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
    if (r.code !== 0)
      throw ksError('KS_UNMOUNT_FAILED', `umount ${opts.lazy ? '-l ' : ''}${entry} failed: ${r.stderr.trim() || `exit code ${r.code}`}`, {
        mountPoint: entry,
      });
    return 'done';
  } finally {
    closeSync(fd);
  }
}

/**
 * `umount -l` (util-linux) one mount point after checking it lies inside `scope`, never through a
 * symlink (unmountPinned). Lazy: a mount still in use by a dying process is detached now and
 * released when the last user goes. Returns 'gone' when it was not mounted.
 */
export async function lazyUnmount(
  mountPoint: string,
  scope: readonly string[],
  procRoot = '/proc',
  expect?: EntryIdentity,
): Promise<'done' | 'gone'> {
  // A mount point whose directory is gone cannot be mounted: containerd cleaned it up.
  if (!existsSync(path.dirname(mountPoint))) return 'gone';
  const entry = resolveInside(mountPoint, scope, 'mount point');
  return unmountPinned(entry, { lazy: true, procRoot, ...(expect ? { expect } : {}) });
}
