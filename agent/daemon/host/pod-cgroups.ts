// The cgroups removed pods leave under the kubelet's pod hierarchy. With the cgroupfs driver they
// are plain dirs (`/kubepods/besteffort/pod<uid>/<id>`, or `<cgroup_parent>/<id>` when the pod
// config names a parent), one per cgroup v1 controller hierarchy or one in the unified (v2) one;
// with the systemd driver they are units (`kubepods-besteffort-pod<uid_>.slice`,
// `cri-containerd-<id>.scope`) whose dirs only systemd may remove. What is here reads them
// (a dir is a cgroup only when lstat says directory: a symlink or any other entry is never
// followed), removes one with rmdir only, each dir after its children (the kernel refuses a
// cgroup with a process or a child; nothing is ever deleted recursively), and only strictly
// below a configured parent in a mounted cgroup hierarchy.
import { lstatSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { ksError } from '../../shared/errors';
import { readMountinfo } from './mountinfo';

/** The kubelet's pod hierarchy under each driver (kubelet's cgroupRoot `/`). */
export const DEFAULT_POD_CGROUP_PARENTS: readonly string[] = Object.freeze(['/kubepods', '/kubepods.slice']);

/** An absolute cgroup path below the root: `/a/b`, no empty, `.` or `..` segment. */
export function isCgroupParent(s: string): boolean {
  if (!s.startsWith('/') || s.length > 255) return false;
  const seg = s.slice(1).split('/');
  return seg.every((x) => x !== '' && x !== '.' && x !== '..' && /^[A-Za-z0-9_.:@=+-]+$/.test(x));
}

const ID = '[0-9a-f]{64}';
const UUID = '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32}';
const POD_DIR = [new RegExp(`^pod(${UUID})$`), new RegExp(`^kubepods(?:-[a-z]+)?-pod(${UUID})\\.slice$`)];
const CONTAINER_DIR = [new RegExp(`^(${ID})$`), new RegExp(`^(?:cri-containerd|crio|docker)-(${ID})\\.scope$`)];

/** What a dir name says: a pod's cgroup (uid with dashes), a container's (its id), or neither. */
export function classifyCgroupDir(name: string): { podUid: string } | { containerId: string } | undefined {
  for (const re of POD_DIR) {
    const m = re.exec(name);
    if (m) return { podUid: m[1].replace(/_/g, '-') };
  }
  for (const re of CONTAINER_DIR) {
    const m = re.exec(name);
    if (m) return { containerId: m[1] };
  }
  return undefined;
}

/** A systemd unit's cgroup (systemd driver): its dir name is the unit's name. */
export function unitOfCgroupDir(name: string): string | undefined {
  return /\.(slice|scope)$/.test(name) ? name : undefined;
}

/** Mount points of every cgroup hierarchy (v1 controllers, v1 named, v2 unified), from mountinfo. */
export function cgroupHierarchies(procRoot = '/proc'): string[] {
  const points = readMountinfo(procRoot)
    .filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2')
    .map((m) => m.mountPoint);
  return [...new Set(points)].sort();
}

export interface PodCgroup {
  /** Its path inside each hierarchy, e.g. /kubepods/besteffort/pod<uid>. */
  cgroup: string;
  kind: 'pod' | 'container';
  podUid?: string;
  containerId?: string;
  /** The systemd unit it is (systemd driver): stopped through systemd, never removed by hand. */
  unit?: string;
  /** Container ids of its child cgroups (a pod cgroup's containers). */
  containerIds: string[];
  /** Its dir in every hierarchy that has it, each after its descendants (deepest first). */
  dirs: string[];
  /** Processes in it or any descendant, in any hierarchy. */
  pids: number[];
}

export interface PodCgroupScan {
  hierarchies: string[];
  cgroups: PodCgroup[];
  problems: string[];
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

function childDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export function procsOf(dir: string): number[] {
  const out: number[] = [];
  for (const l of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (/^\d+$/.test(l)) out.push(Number(l));
  return out;
}

/** The dir and its descendants, deepest first, with every process in them. */
function subtree(dir: string): { dirs: string[]; pids: number[] } {
  const dirs: string[] = [];
  const pids: number[] = [];
  const walk = (d: string): void => {
    for (const n of childDirs(d)) walk(path.join(d, n));
    pids.push(...procsOf(d));
    dirs.push(d);
  };
  walk(dir);
  return { dirs, pids };
}

/** Every pod and container cgroup under `parents` in every hierarchy, merged by cgroup path. */
export function scanPodCgroups(hierarchies: readonly string[], parents: readonly string[]): PodCgroupScan {
  const byPath = new Map<string, PodCgroup>();
  const problems: string[] = [];
  const found = (h: string, rel: string, name: string, what: { podUid: string } | { containerId: string }): void => {
    const dir = path.join(h, rel);
    let sub;
    try {
      sub = subtree(dir);
    } catch (err) {
      problems.push(`${dir}: ${(err as Error).message}`);
      return;
    }
    let c = byPath.get(rel);
    if (!c) {
      const unit = unitOfCgroupDir(name);
      c = {
        cgroup: rel,
        kind: 'podUid' in what ? 'pod' : 'container',
        ...what,
        ...(unit ? { unit } : {}),
        containerIds: [],
        dirs: [],
        pids: [],
      };
      // A container cgroup under a pod's names its pod too (the parent dir).
      if (!('podUid' in what)) {
        const up = classifyCgroupDir(path.basename(path.dirname(rel)));
        if (up && 'podUid' in up) c.podUid = up.podUid;
      }
      byPath.set(rel, c);
    }
    c.dirs.push(...sub.dirs);
    for (const p of sub.pids) if (!c.pids.includes(p)) c.pids.push(p);
    if ('podUid' in what)
      for (const n of childDirs(dir)) {
        const k = classifyCgroupDir(n);
        if (k && 'containerId' in k && !c.containerIds.includes(k.containerId)) c.containerIds.push(k.containerId);
      }
  };
  const walk = (h: string, rel: string): void => {
    let names: string[];
    try {
      names = childDirs(path.join(h, rel));
    } catch (err) {
      problems.push(`${path.join(h, rel)}: ${(err as Error).message}`);
      return;
    }
    for (const n of names) {
      const what = classifyCgroupDir(n);
      const child = path.posix.join(rel, n);
      if (what) found(h, child, n, what);
      // Neither a pod's nor a container's: a QoS level (besteffort, kubepods-burstable.slice …).
      else walk(h, child);
    }
  };
  for (const h of hierarchies)
    for (const p of parents) {
      if (!isCgroupParent(p)) throw ksError('KS_POD_CGROUP_FAILED', `not a cgroup parent: ${JSON.stringify(p)}`, { cgroup: p });
      if (isDir(path.join(h, p))) walk(h, p);
    }
  const cgroups = [...byPath.values()].sort((a, b) => a.cgroup.localeCompare(b.cgroup));
  return { hierarchies: [...hierarchies], cgroups, problems };
}

/** What the CRI still knows (pod uids; sandbox and container ids): their cgroups are never touched. */
export interface KnownToCri {
  uids: ReadonlySet<string>;
  ids: ReadonlySet<string>;
}

export function isKnown(c: PodCgroup, known: KnownToCri): boolean {
  return (
    (c.podUid !== undefined && known.uids.has(c.podUid)) ||
    (c.containerId !== undefined && known.ids.has(c.containerId)) ||
    c.containerIds.some((id) => known.ids.has(id))
  );
}

/**
 * A dir strictly below one of `parents` in one of `hierarchies`, reached without a symlink: the
 * only dirs removeCgroupDir acts on.
 */
export function checkInsidePodHierarchy(dir: string, hierarchies: readonly string[], parents: readonly string[]): void {
  const ok = hierarchies.some((h) =>
    parents.some((p) => {
      const base = path.join(h, p);
      if (!dir.startsWith(base + '/')) return false;
      // Every dir from the parent down is a real dir (lstat), not a symlink to elsewhere.
      let cur = base;
      for (const seg of dir.slice(base.length + 1).split('/')) {
        if (seg === '' || seg === '.' || seg === '..') return false;
        cur = path.join(cur, seg);
        if (!isDir(cur)) return false;
      }
      return isDir(base);
    }),
  );
  if (!ok)
    throw ksError('KS_PATH_OUTSIDE_SCOPE', `refusing to touch cgroup ${dir}: not a dir below the kubelet's pod hierarchy`, {
      path: dir,
      scope: hierarchies.flatMap((h) => parents.map((p) => path.join(h, p))),
    });
}

/**
 * rmdir each of `dirs` (children before parents), after checking each lies in the pod hierarchy
 * and holds no process. 'gone' when none was there any more.
 */
export function removeCgroupDirs(
  dirs: readonly string[],
  hierarchies: readonly string[],
  parents: readonly string[],
): { outcome: 'done' | 'gone'; removed: number } {
  let removed = 0;
  for (const d of dirs) {
    if (!isDir(d)) continue;
    checkInsidePodHierarchy(d, hierarchies, parents);
    const pids = procsOf(d);
    if (pids.length) throw ksError('KS_POD_CGROUP_FAILED', `cgroup ${d} holds processes ${pids.join(' ')}: left in place`, { cgroup: d });
    try {
      rmdirSync(d);
      removed++;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      throw ksError('KS_POD_CGROUP_FAILED', `rmdir ${d}: ${(err as Error).message}`, { cgroup: d }, err);
    }
  }
  return { outcome: removed ? 'done' : 'gone', removed };
}
