// Which processes hold files in a dir tree: an open fd, the cwd or the root of a process that is
// the same file (device and inode) as an entry of the tree. Proven by dev+ino, never by a name:
// an fd link's text can be "(deleted)", relative to another mount namespace, or plain wrong.
// The tree is walked with lstat (never through a symlink) and not across filesystems: a
// mount inside it is recorded at its root only.
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseCgroup } from '../ports/cgroup';
import { DEFAULT_PROC_ROOT, listPids, readCmdline, readProcess } from './proc';

export interface Holder {
  pid: number;
  comm: string;
  command: string;
  /** How it holds the tree: `fd 7`, `cwd`, `root`; and the entry it holds. */
  how: string;
  path: string;
  /** From /proc/PID/cgroup, when the holder runs in a container. */
  containerId?: string;
  podUid?: string;
}

const key = (dev: number, ino: number) => `${dev}:${ino}`;

/** dev:ino → path of every entry of the tree (the root included), skipping `skip` names at the top. */
export function treeInodes(root: string, skip: (name: string) => boolean = () => false, limit = 1_000_000): Map<string, string> {
  const out = new Map<string, string>();
  const top = lstatSync(root);
  out.set(key(top.dev, top.ino), root);
  if (!top.isDirectory()) return out;
  const stack: string[] = [root];
  while (stack.length && out.size < limit) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (dir === root && skip(n)) continue;
      const p = path.join(dir, n);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue; // gone in between
      }
      out.set(key(st.dev, st.ino), p);
      if (st.isDirectory() && st.dev === top.dev) stack.push(p);
    }
  }
  return out;
}

function describe(pid: number, procRoot: string): Pick<Holder, 'comm' | 'command' | 'containerId' | 'podUid'> {
  const info = readProcess(pid, procRoot);
  let ids = {};
  try {
    ids = parseCgroup(readFileSync(`${procRoot}/${pid}/cgroup`, 'utf8'));
  } catch {
    /* gone, or no cgroup file */
  }
  const argv = info?.argv.length ? info.argv : readCmdline(pid, procRoot);
  return { comm: info?.comm ?? '?', command: argv.join(' ').slice(0, 512), ...ids };
}

/** Every process (but `self`) holding an entry of `inodes`: by fd, cwd or root. */
export function findHolders(inodes: ReadonlyMap<string, string>, procRoot = DEFAULT_PROC_ROOT, self = process.pid): Holder[] {
  const out: Holder[] = [];
  for (const pid of listPids(procRoot)) {
    if (pid === self) continue;
    const hits: { how: string; path: string }[] = [];
    const look = (link: string, how: string) => {
      try {
        const st = statSync(link);
        const p = inodes.get(key(st.dev, st.ino));
        if (p !== undefined) hits.push({ how, path: p });
      } catch {
        /* closed or gone in between; sockets and pipes stat fine and simply do not match */
      }
    };
    look(`${procRoot}/${pid}/cwd`, 'cwd');
    look(`${procRoot}/${pid}/root`, 'root');
    let fds: string[] = [];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      /* gone, or a kernel thread */
    }
    for (const fd of fds) look(`${procRoot}/${pid}/fd/${fd}`, `fd ${fd}`);
    if (hits.length === 0) continue;
    const who = describe(pid, procRoot);
    for (const h of hits) out.push({ pid, ...who, ...h });
  }
  return out;
}

/** `pid 123 (etcd, pod 0f3c…) holds /var/lib/etcd/member/wal/0.wal (fd 7)` */
export function holderText(h: Holder): string {
  const pod = h.podUid ? `, pod ${h.podUid}` : h.containerId ? `, container ${h.containerId.slice(0, 12)}` : '';
  return `pid ${h.pid} (${h.comm}${pod}) holds ${h.path} (${h.how})`;
}
