// Volume mounts the kubelet leaves under its dir (`pods/<uid>/volumes/…`, `volume-subpaths/…`,
// CSI global mounts under `plugins/…`). A reset that deletes the kubelet dir while they are
// mounted either fails ("device or resource busy") or, worse, deletes through a live bind
// mount into the volume's source — users' data (k3s#3264). So, as kubeadm does: unmount every
// mount strictly under the kubelet dir, deepest first, and remove a pod dir only when nothing is
// mounted at or under it any more (checked against mountinfo right before the removal); a
// failed unmount is reported and nothing under it is deleted.
import { existsSync, lstatSync, readdirSync, realpathSync, rmdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { ksError } from '../../shared/errors';
import { MountEntry, readMountinfo, unmountPinned } from './mountinfo';
import { resolveInside } from './paths';

export const DEFAULT_KUBELET_DIR = '/var/lib/kubelet';

export interface KubeletMount {
  mountPoint: string;
  fsType: string;
  source: string;
  /** The pod the mount belongs to (`pods/<uid>/…`), if any. */
  podUid?: string;
  /** How many times it is mounted there (stacked mounts are unmounted one by one). */
  count: number;
}

function under(p: string, dir: string): boolean {
  return p.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/** The kubelet dir as mountinfo names it (symlinks resolved); itself when it does not exist. */
export function resolveKubeletDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * Mounts strictly under `kubeletDir` (already resolved), deepest first. The kubelet dir itself
 * may be a mount (a dedicated disk): that one is never listed.
 */
export function kubeletMounts(mounts: readonly MountEntry[], kubeletDir: string): KubeletMount[] {
  const podsDir = path.join(kubeletDir, 'pods') + '/';
  const byPoint = new Map<string, KubeletMount>();
  for (const m of mounts) {
    if (!under(m.mountPoint, kubeletDir)) continue;
    const seen = byPoint.get(m.mountPoint);
    if (seen) {
      seen.count++;
      continue;
    }
    const uid = m.mountPoint.startsWith(podsDir) ? m.mountPoint.slice(podsDir.length).split('/')[0] : undefined;
    byPoint.set(m.mountPoint, { mountPoint: m.mountPoint, fsType: m.fsType, source: m.source, ...(uid ? { podUid: uid } : {}), count: 1 });
  }
  return [...byPoint.values()].sort(
    (a, b) => b.mountPoint.split('/').length - a.mountPoint.split('/').length || b.mountPoint.localeCompare(a.mountPoint),
  );
}

/** Mount points at or under `dir`. */
export function mountsAtOrUnder(mounts: readonly MountEntry[], dir: string): string[] {
  return [...new Set(mounts.filter((m) => m.mountPoint === dir || under(m.mountPoint, dir)).map((m) => m.mountPoint))];
}

/**
 * `<kubeletDir>/pods/<uid>` entries: the pod dirs, and anything else there (a symlink, a FIFO…),
 * which removePodDir unlinks as itself, never followed (docs/security.md, "Odd entries").
 */
export function listPodDirs(kubeletDir: string): string[] {
  const pods = path.join(kubeletDir, 'pods');
  try {
    return readdirSync(pods, { withFileTypes: true })
      .map((e) => path.join(pods, e.name))
      .sort();
  } catch {
    return [];
  }
}

/**
 * `umount` one mount point (not lazy: a busy mount fails and is reported, as kubeadm does), as
 * often as it is stacked there. 'gone' when nothing was mounted there.
 */
export async function unmountKubelet(mountPoint: string, kubeletDir: string, opts: { procRoot?: string } = {}): Promise<'done' | 'gone'> {
  // A mount point whose directory is gone cannot be mounted any more.
  if (!existsSync(path.dirname(mountPoint))) return 'gone';
  const entry = resolveInside(mountPoint, [kubeletDir], 'mount point');
  let unmounted = 0;
  for (let i = 0; i < 16; i++) {
    if (!readMountinfo(opts.procRoot).some((m) => m.mountPoint === entry)) break;
    // Pinned: never through a symlink swapped in on the way (host/mountinfo.ts).
    if ((await unmountPinned(entry, { lazy: false, ...(opts.procRoot ? { procRoot: opts.procRoot } : {}) })) === 'gone') break;
    unmounted++;
  }
  return unmounted > 0 ? 'done' : 'gone';
}

/**
 * Remove a pod dir tree, never crossing a mount: refused (KS_STILL_MOUNTED) when mountinfo shows
 * anything at or under it, and, as a second guard (a bind mount of the same filesystem has the
 * same device), when a directory inside sits on another device. Symlinks are unlinked, never
 * followed. Returns the number of entries removed; 0 when the dir is already gone.
 */
export function removePodDir(dir: string, kubeletDir: string, procRoot?: string): number {
  const entry = resolveInside(dir, [kubeletDir], 'kubelet pod dir');
  let root;
  try {
    root = lstatSync(entry);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const mounted = mountsAtOrUnder(readMountinfo(procRoot), entry);
  if (mounted.length)
    throw ksError('KS_STILL_MOUNTED', `${entry} not removed: still mounted at ${mounted.join(', ')}`, { path: entry, mounts: mounted });
  if (!root.isDirectory()) {
    unlinkSync(entry);
    return 1;
  }
  // First look at the whole tree, then delete: a crossing found halfway must not leave half
  // a pod dir deleted.
  const order: { p: string; dir: boolean }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        if (st.dev !== root.dev) throw ksError('KS_STILL_MOUNTED', `${entry} not removed: ${p} is on another filesystem`, { path: p });
        walk(p);
        order.push({ p, dir: true });
      } else order.push({ p, dir: false });
    }
  };
  walk(entry);
  for (const e of order) (e.dir ? rmdirSync : unlinkSync)(e.p);
  rmdirSync(entry);
  return order.length + 1;
}
