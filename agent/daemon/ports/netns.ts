// Network namespaces to read sockets from. /proc/PID/net/* shows the sockets of PID's netns, so
// each netns is read once, through one member process. Named netns files (cni-…) give names,
// and reveal namespaces that no process is in any more.
import { readdirSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PROC_ROOT, listPids, netnsInodeOf } from '../host/proc';
import type { NetnsRef } from './types';

/** statfs magic of nsfs: a bind-mounted namespace file, not an empty placeholder. */
const NSFS_MAGIC = 0x6e736673;

export interface NetnsTarget {
  ref: NetnsRef;
  /** Processes in this netns, lowest pid first: read through the first that is still there. */
  members: number[];
}

/** The host netns: PID 1's (the agent itself may run in it or not). */
export function hostNetns(procRoot = DEFAULT_PROC_ROOT): { inode: number; member: number } | undefined {
  const one = netnsInodeOf(1, procRoot);
  if (one !== undefined) return { inode: one, member: 1 };
  const self = netnsInodeOf(process.pid, procRoot);
  return self === undefined ? undefined : { inode: self, member: process.pid };
}

/** inode → file name, for every live netns file in the given dirs. */
export function namedNetns(dirs: readonly string[]): Map<number, { name: string; file: string }> {
  const out = new Map<number, { name: string; file: string }>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = path.join(dir, name);
      try {
        if (statfsSync(file).type !== NSFS_MAGIC) continue; // an unmounted leftover file
        const ino = statSync(file).ino;
        if (!out.has(ino)) out.set(ino, { name, file });
      } catch {
        continue;
      }
    }
  }
  return out;
}

export function hostTarget(procRoot = DEFAULT_PROC_ROOT): NetnsTarget | undefined {
  const host = hostNetns(procRoot);
  if (!host) return undefined;
  return { ref: { inode: host.inode, name: 'host', host: true, memberPid: host.member }, members: [host.member] };
}

/** Every distinct netns: those processes are in, then named ones no process is in. Host first. */
export function allNetnsTargets(netnsDirs: readonly string[], procRoot = DEFAULT_PROC_ROOT): NetnsTarget[] {
  const host = hostNetns(procRoot);
  const names = namedNetns(netnsDirs);
  const byInode = new Map<number, number[]>();
  for (const pid of listPids(procRoot).sort((a, b) => a - b)) {
    const ino = netnsInodeOf(pid, procRoot);
    if (ino === undefined) continue;
    const list = byInode.get(ino);
    if (!list) byInode.set(ino, [pid]);
    else if (list.length < 4) list.push(pid);
  }
  const targets: NetnsTarget[] = [];
  for (const [inode, members] of byInode) {
    const isHost = inode === host?.inode;
    const name = isHost ? 'host' : names.get(inode)?.name;
    const ref: NetnsRef = { inode, host: isHost, memberPid: members[0] };
    if (name !== undefined) ref.name = name;
    targets.push({ ref, members });
  }
  for (const [inode, { name }] of names) {
    if (byInode.has(inode)) continue;
    targets.push({
      ref: { inode, name, host: false, unread: 'no process is in this netns: its sockets cannot be read through /proc' },
      members: [],
    });
  }
  return targets.sort((a, b) => Number(b.ref.host) - Number(a.ref.host) || a.ref.inode - b.ref.inode);
}
