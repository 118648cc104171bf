// The old network plugin's config in the CNI conf dir. containerd loads the first file (by name)
// of that dir, so a `10-calico.conflist` left behind wins over the `10-flannel.conflist` the new
// cluster installs — or pods start on a plugin that is no longer there. Only files matching the
// configured patterns (names of the plugins Kubernetes installers deploy) are touched, after a
// backup: another runtime's config (podman's `87-podman-bridge.conflist`), the loopback config
// and subdirectories stay.
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { readNoFollow } from './fsync';
import { globMatcher } from './glob';
import { readMountinfo } from './mountinfo';
import { type EntryType, entryTypeOf } from './paths';

export const DEFAULT_CNI_CONF_DIR = '/etc/cni/net.d';

export const DEFAULT_CNI_CONF_PATTERNS: readonly string[] = Object.freeze([
  '*calico*',
  '*flannel*',
  '*canal*',
  '*cilium*',
  '*weave*',
  '*kube-router*',
  '*kuberouter*',
  '*multus*',
  '*antrea*',
  '*kube-ovn*',
]);

export interface CniConfFile {
  name: string;
  path: string;
  size: number;
  pattern: string;
  /** Not a file or symlink, or a mount (docs/security.md, "Odd entries"): why it is left in place. */
  odd?: { type: EntryType; why: string };
}

/**
 * Regular files (or symlinks, never followed) directly in `dir` whose names match `patterns`; a
 * missing dir is empty. A matching entry that is a mount, FIFO, socket or device comes with `odd`.
 */
export function findCniConfFiles(dir: string, patterns: readonly string[], procRoot = '/proc'): CniConfFile[] {
  const match = globMatcher(patterns);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: CniConfFile[] = [];
  let mounts: Map<string, string> | undefined;
  for (const name of names) {
    const pattern = match(name);
    if (pattern === undefined) continue;
    const p = path.join(dir, name);
    try {
      const st = lstatSync(p);
      const type = entryTypeOf(st);
      mounts ??= new Map(readMountinfo(procRoot).map((m) => [m.mountPoint, `${m.fsType} ${m.source}`]));
      const mount = type === 'file' || type === 'dir' ? mounts.get(p) : undefined;
      if (mount !== undefined)
        out.push({ name, path: p, size: 0, pattern, odd: { type, why: `a mount (${mount}) where a CNI config belongs: left in place` } });
      else if (type === 'dir') continue;
      else if (type !== 'file' && type !== 'symlink')
        out.push({ name, path: p, size: 0, pattern, odd: { type, why: `a ${type}, not a CNI config: never opened, left in place` } });
      else out.push({ name, path: p, size: st.isFile() ? st.size : 0, pattern });
    } catch {
      continue;
    }
  }
  return out;
}

/** A symlinked config is backed up as the link's text, never as the file it points at. */
export function readForBackup(p: string): { data: Buffer; symlink: boolean } {
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return { data: Buffer.from(readlinkSync(p)), symlink: true };
  if (!st.isFile()) throw new Error(`${p} is no longer a file or symlink`);
  return { data: readNoFollow(p), symlink: false };
}
