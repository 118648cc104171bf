// The rules a dir learned from containerd (its Status answer, its config file, or the learned
// state file) must pass before the agent acts inside it, on top of the scope rules configured
// dirs pass. A runtime that reports `/` or `/usr` as a dir (a broken or hostile config) would
// otherwise widen what the agent may unmount or delete to the whole system. Pure.
import path from 'node:path';
import { isAbsNormal } from '../options';

/**
 * Dirs that are never containerd's or CNI's as a whole: the system's own trees. A dir inside one
 * of them (/var/lib/containerd, /etc/cni/net.d, /run/containerd) is fine; the tree itself is not.
 */
export const SYSTEM_DIRS: ReadonlySet<string> = new Set([
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib32',
  '/lib64',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/bin',
  '/usr/lib',
  '/usr/lib64',
  '/usr/local',
  '/usr/sbin',
  '/usr/share',
  '/var',
  '/var/cache',
  '/var/lib',
  '/var/log',
  '/var/run',
  '/var/tmp',
  '/etc/kubernetes',
  '/var/lib/kubelet',
  '/var/lib/cni',
  '/etc/cni',
  '/opt/cni',
]);
/** Kernel filesystems: nothing of containerd's lies in them. */
const VIRTUAL_TREES = ['/proc', '/sys', '/dev', '/boot'];

/** The agent's own dirs a learned dir must not contain (its backups, the kubelet's manifests). */
export interface SanityContext {
  stateDir: string;
  manifestsDir: string;
}

/** Why `dir` must not be used as a learned dir; undefined when it passes. */
export function sanityProblem(dir: string, ctx: SanityContext): string | undefined {
  if (typeof dir !== 'string' || dir === '') return 'empty';
  if (!isAbsNormal(dir)) return 'not an absolute, normalized path';
  if (dir === '/') return 'is /';
  if (SYSTEM_DIRS.has(dir)) return `is the system dir ${dir} as a whole, not a dir of containerd's or CNI's`;
  const tree = VIRTUAL_TREES.find((t) => isInside(dir, t));
  if (tree) return `lies in ${tree}`;
  for (const [what, own] of [
    ['state dir', ctx.stateDir],
    ['manifests dir', ctx.manifestsDir],
  ] as const) {
    if (isInside(own, dir)) return `contains the agent's ${what} ${own}`;
  }
  return undefined;
}

function isInside(inner: string, outer: string): boolean {
  const rel = path.posix.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
}
