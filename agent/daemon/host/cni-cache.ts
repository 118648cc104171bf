// libcni's result cache: `<dir>/<network>-<containerId>-<ifname>` (default /var/lib/cni/results),
// one JSON document (kind cniCacheV1) per network attachment of a sandbox, written at ADD and
// removed at DEL. containerd 1.6/1.7 gives libcni no other dir. A sandbox removed without its DEL
// (containerd killed, the CRI down during the reset, the CNI teardown fallback) leaves its files
// for good; kubeadm reset wipes /var/lib/cni whole. kubesweep removes one only when it is
// provably a dead sandbox of this containerd's CRI:
//   - it names the CRI sandbox it belongs to (cniArgs K8S_POD_INFRA_CONTAINER_ID = containerId:
//     containerd's CRI sets it — so do CRI-O and ocicni-based podman ≤ 3, which is why one
//     container runtime per node is assumed; a libcni user that does not set it is never touched);
//   - the netns its result records lies in one of the configured netns dirs;
//   - that netns file is gone (remove-netns ran, or nobody mounts it any more), and the sandbox is
//     not alive (READY in the CRI, or run by a live shim of ours), both looked at again right
//     before the file goes.
// Anything else in the dir is never touched, and every removal is scoped to the dir.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { readNoFollow } from './fsync';
import { mountLookup } from './mountinfo';
import { entryTypeOf, isInside, type OddEntry, removeInside } from './paths';

export const DEFAULT_CNI_CACHE_DIR = '/var/lib/cni/results';

/** A cache document larger than this is not libcni's (results are a few KiB): not read. */
const MAX_CACHE_FILE_BYTES = 1 << 20;

export interface CniCacheEntry {
  path: string;
  network: string;
  containerId: string;
  ifname: string;
  /** The netns the attachment was made in (the result's interface sandbox path). */
  netns: string;
}

export interface CniCacheScan {
  /** Files of CRI sandboxes whose netns lies in a configured netns dir. */
  entries: CniCacheEntry[];
  /** Files that are not such (another runtime's, another netns dir, not libcni's): left alone. */
  foreign: number;
  /** Unreadable entries, with why. */
  problems: string[];
  /** Symlinks, FIFOs, sockets, devices in the cache dir: never followed or opened, left, reported. */
  odd: OddEntry[];
}

type CacheDoc = {
  kind?: unknown;
  containerId?: unknown;
  ifName?: unknown;
  networkName?: unknown;
  cniArgs?: unknown;
  result?: { interfaces?: unknown };
};

/** `p` lies in `dir`: by its text (containerd records the path it was configured with), or resolved. */
function inDir(p: string, dir: string): boolean {
  const n = path.normalize(p);
  return n.startsWith(path.resolve(dir) + path.sep) || isInside(n, [dir]);
}

/** What a cache document says, when it is a CRI sandbox's attachment in one of netnsDirs. */
export function parseCniCache(text: string, netnsDirs: readonly string[]): Omit<CniCacheEntry, 'path'> | undefined {
  let doc: CacheDoc;
  try {
    doc = JSON.parse(text) as CacheDoc;
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || doc.kind !== 'cniCacheV1') return undefined;
  const { containerId, ifName, networkName, cniArgs } = doc;
  if (
    typeof containerId !== 'string' ||
    !/^[0-9a-f]{64}$/.test(containerId) ||
    typeof ifName !== 'string' ||
    typeof networkName !== 'string'
  )
    return undefined;
  const infra = Array.isArray(cniArgs)
    ? cniArgs.find((a): a is [string, string] => Array.isArray(a) && a[0] === 'K8S_POD_INFRA_CONTAINER_ID')
    : undefined;
  if (infra?.[1] !== containerId) return undefined;
  const interfaces = Array.isArray(doc.result?.interfaces) ? (doc.result.interfaces as { sandbox?: unknown }[]) : [];
  const netns = interfaces.map((i) => i?.sandbox).find((s): s is string => typeof s === 'string' && s !== '');
  if (netns === undefined || !path.isAbsolute(netns) || !netnsDirs.some((d) => inDir(netns, d))) return undefined;
  return { network: networkName, containerId, ifname: ifName, netns: path.normalize(netns) };
}

/** Every cache file of a CRI sandbox in `dir` whose netns lies in one of netnsDirs. A missing dir is empty. */
export function scanCniCache(dir: string, netnsDirs: readonly string[], procRoot?: string): CniCacheScan {
  const out: CniCacheScan = { entries: [], foreign: 0, problems: [], odd: [] };
  const mountAt = mountLookup(procRoot);
  if (dir === '') return out;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') out.problems.push(`${dir}: ${(err as Error).message}`);
    return out;
  }
  for (const name of names) {
    const p = path.join(dir, name);
    let text: string;
    try {
      const st = lstatSync(p);
      const type = entryTypeOf(st);
      const mount = type === 'file' || type === 'dir' ? mountAt(p) : undefined;
      if (mount !== undefined) {
        out.odd.push({ path: p, type, why: `a mount (${mount}) in libcni's cache dir: not read, not unmounted, left in place` });
        continue;
      }
      if (type !== 'file' && type !== 'dir') {
        out.odd.push({ path: p, type, why: `a ${type} in libcni's cache dir: never followed or opened, left in place` });
        continue;
      }
      if (!st.isFile() || st.size > MAX_CACHE_FILE_BYTES) {
        out.foreign++;
        continue;
      }
      text = readNoFollow(p).toString('utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') out.problems.push(`${p}: ${(err as Error).message}`);
      continue;
    }
    const e = parseCniCache(text, netnsDirs);
    if (e) out.entries.push({ path: p, ...e });
    else out.foreign++;
  }
  return out;
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Remove one cache file of a dead sandbox: re-read it and leave it when it no longer describes the
 * same sandbox and netns, or when that netns file exists again. Scoped to `dir`. The caller has
 * checked that the sandbox is not alive.
 */
export function removeStaleCacheFile(
  e: Pick<CniCacheEntry, 'path' | 'containerId' | 'netns'>,
  dir: string,
  netnsDirs: readonly string[],
): { outcome: 'done' | 'gone' | 'skipped'; message: string } {
  let text: string;
  try {
    const st = lstatSync(e.path);
    if (!st.isFile() || st.size > MAX_CACHE_FILE_BYTES)
      return { outcome: 'skipped', message: 'left in place: it is no longer a libcni cache file (never followed)' };
    text = readNoFollow(e.path).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { outcome: 'gone', message: 'already removed' };
    throw err;
  }
  const now = parseCniCache(text, netnsDirs);
  if (!now || now.containerId !== e.containerId || now.netns !== e.netns)
    return { outcome: 'skipped', message: `left in place: it no longer describes sandbox ${e.containerId.slice(0, 12)} in ${e.netns}` };
  if (exists(e.netns)) return { outcome: 'skipped', message: `left in place: its netns ${e.netns} still exists` };
  const outcome = removeInside(e.path, [dir], 'CNI cache file');
  return {
    outcome,
    message: outcome === 'done' ? `removed (sandbox ${e.containerId.slice(0, 12)} is gone, and so is its netns)` : 'already removed',
  };
}
