// The old network plugin's config in the CNI conf dir. containerd loads the first file (by name)
// of that dir, so a `10-calico.conflist` left behind wins over the `10-flannel.conflist` the new
// cluster installs — or pods start on a plugin that is no longer there. Only files matching the
// configured patterns (names of the plugins Kubernetes installers deploy) are touched, after a
// backup: another runtime's config (podman's `87-podman-bridge.conflist`), the loopback config
// and subdirectories stay.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { globMatcher } from './glob';

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
}

/** Regular files (or symlinks) directly in `dir` whose names match `patterns`; a missing dir is empty. */
export function findCniConfFiles(dir: string, patterns: readonly string[]): CniConfFile[] {
  const match = globMatcher(patterns);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: CniConfFile[] = [];
  for (const name of names) {
    const pattern = match(name);
    if (pattern === undefined) continue;
    const p = path.join(dir, name);
    try {
      const st = lstatSync(p);
      if (!st.isFile() && !st.isSymbolicLink()) continue;
      out.push({ name, path: p, size: st.isFile() ? st.size : 0, pattern });
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
  return { data: readFileSync(p), symlink: false };
}
