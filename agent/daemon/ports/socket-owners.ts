// Socket inode → the processes holding it, from /proc/*/fd. This is the expensive part of a
// port report (one readlink per open fd on the machine), so it runs once per report, only for
// the inodes asked about, and not at all when nothing listens.
import { readdirSync, readlinkSync } from 'node:fs';
import { DEFAULT_PROC_ROOT, listPids } from '../host/proc';

/** `socket:[12345]` → 12345; anything else → undefined. */
export function socketInodeOfLink(link: string): number | undefined {
  if (!link.startsWith('socket:[') || !link.endsWith(']')) return undefined;
  const n = Number(link.slice(8, -1));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export interface SocketOwnersScan {
  /** inode → pids holding an fd on it (ascending). */
  owners: Map<number, number[]>;
  /** Processes whose fd dir could not be read (gone meanwhile, or not permitted). */
  unreadable: number;
}

export function scanSocketOwners(inodes: ReadonlySet<number>, procRoot = DEFAULT_PROC_ROOT): SocketOwnersScan {
  const owners = new Map<number, number[]>();
  let unreadable = 0;
  if (inodes.size === 0) return { owners, unreadable };
  for (const pid of listPids(procRoot).sort((a, b) => a - b)) {
    const dir = `${procRoot}/${pid}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(dir);
    } catch {
      unreadable++;
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${dir}/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const inode = socketInodeOfLink(link);
      if (inode === undefined || !inodes.has(inode)) continue;
      const list = owners.get(inode);
      if (!list) owners.set(inode, [pid]);
      else if (list[list.length - 1] !== pid) list.push(pid);
    }
  }
  return { owners, unreadable };
}
