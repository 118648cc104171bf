// host-local IPAM reservations: `<dataDir>/<network>/<ip>`, a file per leased address whose
// first line is the CNI container id (a sandbox id under containerd) and whose second is the
// interface (plugins ≥ 0.8.6 write `<id>\r\n<ifname>`; older ones the id alone). The plugin's
// own DEL deletes the file; when kubesweep skips a network's DEL (the CNI fallback) the lease
// would stay until the dataDir is wiped, and a rejoined node would hand out fewer addresses.
// Other files there (`lock`, `last_reserved_ip.0`) are host-local's bookkeeping: never touched.
//
// A full scan (scanReservations) serves the reset's ipam kind: reservations whose container id
// is not a live sandbox are released — pods removed without a CNI DEL (containerd killed, the CRI
// down during the reset, a failed teardown) keep their addresses, and with a small range the
// next pods get "no IP addresses available in range set" (k3s#5885, containerd/cri#948).
import { isIP } from 'node:net';
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readNoFollow } from './fsync';
import { mountLookup } from './mountinfo';
import { entryTypeOf, type OddEntry, removeInside } from './paths';

export interface IpReservation {
  path: string;
  network: string;
  ip: string;
  containerId: string;
  ifname?: string;
}

/** Pure: the holder recorded in a reservation file's text. */
export function parseReservation(text: string): { containerId: string; ifname?: string } | undefined {
  const [id, ifname] = text.split(/\r?\n/).map((l) => l.trim());
  if (!id || !/^[0-9a-zA-Z._-]+$/.test(id)) return undefined;
  return { containerId: id, ...(ifname ? { ifname } : {}) };
}

/** Reservations under `dataDir` held by one of `ids` (host-local names IPv6 files with `_` for `:`, too). */
export function findReservations(dataDir: string, ids: ReadonlySet<string>): IpReservation[] {
  const out: IpReservation[] = [];
  let networks: string[];
  try {
    networks = readdirSync(dataDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return out;
  }
  for (const network of networks.sort()) {
    let files: string[];
    try {
      files = readdirSync(path.join(dataDir, network));
    } catch {
      continue;
    }
    for (const name of files.sort()) {
      const ip = name.replace(/_/g, ':');
      if (isIP(ip) === 0) continue;
      const p = path.join(dataDir, network, name);
      let holder: ReturnType<typeof parseReservation>;
      try {
        if (!lstatSync(p).isFile()) continue; // never followed: a link or FIFO is not host-local's
        holder = parseReservation(readNoFollow(p).toString('utf8'));
      } catch {
        continue;
      }
      if (holder && ids.has(holder.containerId)) out.push({ path: p, network, ip, ...holder });
    }
  }
  return out;
}

/** Release one reservation (unlink its file), only inside `dataDir`. */
export function releaseReservation(r: IpReservation, dataDir: string): 'done' | 'gone' {
  return removeInside(r.path, [dataDir], 'IPAM reservation');
}

/** host-local's default dataDir. */
export const DEFAULT_IPAM_DIRS: readonly string[] = Object.freeze(['/var/lib/cni/networks']);

/** A reservation found by a full scan (every holder), with the data dir it lies in. */
export interface Reservation {
  /** The configured data dir it was found in. */
  dataDir: string;
  network: string;
  path: string;
  ip: string;
  containerId: string;
  ifname?: string;
}

/**
 * One file of a network dir: a reservation when its name is an IP address (host-local names the
 * file after the address it reserves); anything else (last_reserved_ip.0, lock) is bookkeeping.
 */
export function parseReservationFile(fileName: string, content: string): { ip: string; containerId: string; ifname?: string } | undefined {
  const ip = fileName.replace(/_/g, ':');
  if (isIP(ip) === 0) return undefined;
  const holder = parseReservation(content);
  return { ip, containerId: holder?.containerId ?? '', ...(holder?.ifname ? { ifname: holder.ifname } : {}) };
}

export interface IpamScan {
  reservations: Reservation[];
  /** Files that are not reservations (kept). */
  bookkeeping: string[];
  /** Unreadable entries, with why. */
  problems: string[];
  /** A network dir or an address-named entry that is no plain dir/file (a symlink, a FIFO…): never followed, left, reported. */
  odd: OddEntry[];
}

/** Every reservation under each data dir's network dirs. A missing data dir is empty. */
export function scanReservations(dataDirs: readonly string[], procRoot?: string): IpamScan {
  const out: IpamScan = { reservations: [], bookkeeping: [], problems: [], odd: [] };
  const mountAt = mountLookup(procRoot);
  for (const dataDir of dataDirs) {
    let networks: string[];
    try {
      networks = readdirSync(dataDir).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') out.problems.push(`${dataDir}: ${(err as Error).message}`);
      continue;
    }
    for (const network of networks) {
      const netDir = path.join(dataDir, network);
      let files: string[];
      try {
        const st = lstatSync(netDir);
        if (st.isSymbolicLink())
          out.odd.push({ path: netDir, type: 'symlink', why: 'a symlink where a network dir belongs: never followed, left in place' });
        if (!st.isDirectory()) continue;
        files = readdirSync(netDir).sort();
      } catch (err) {
        out.problems.push(`${netDir}: ${(err as Error).message}`);
        continue;
      }
      for (const f of files) {
        const p = path.join(netDir, f);
        let content: string;
        try {
          const type = entryTypeOf(lstatSync(p));
          const named = isIP(f.replace(/_/g, ':')) !== 0;
          const mount = named && (type === 'file' || type === 'dir') ? mountAt(p) : undefined;
          if (mount !== undefined) {
            out.odd.push({ path: p, type, why: `a mount (${mount}) named like a reservation: not read, not unmounted, left in place` });
            continue;
          }
          if (type !== 'file') {
            // Its holder cannot be read without following it: host-local's own files are plain files.
            if (named) out.odd.push({ path: p, type, why: `a ${type} named like a reservation: never followed or opened, left in place` });
            continue;
          }
          content = named ? readNoFollow(p).toString('utf8') : '';
        } catch (err) {
          out.problems.push(`${p}: ${(err as Error).message}`);
          continue;
        }
        const r = parseReservationFile(f, content);
        if (r) out.reservations.push({ dataDir, network, path: p, ...r });
        else out.bookkeeping.push(p);
      }
    }
  }
  return out;
}

/** Reservations whose container id is not one of `live` (sandbox ids of this containerd). */
export function staleReservations(reservations: readonly Reservation[], live: ReadonlySet<string>): Reservation[] {
  return reservations.filter((r) => !live.has(r.containerId));
}

/**
 * Release one reservation: re-read it first, and leave it when it now belongs to another
 * container (an address reused since the plan was made). Scoped to the data dirs.
 */
export function releaseStaleReservation(
  r: Pick<Reservation, 'path' | 'containerId'>,
  dataDirs: readonly string[],
): { outcome: 'done' | 'gone' | 'skipped'; message: string } {
  let content: string;
  try {
    if (!lstatSync(r.path).isFile()) return { outcome: 'skipped', message: 'left in place: it is no longer a plain file (never followed)' };
    content = readNoFollow(r.path).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { outcome: 'gone', message: 'already released' };
    throw err;
  }
  const now = parseReservationFile(path.basename(r.path), content);
  if (!now || now.containerId !== r.containerId) {
    return {
      outcome: 'skipped',
      message: `left in place: it now reserves the address for ${now?.containerId.slice(0, 12) || 'nobody'}, not ${r.containerId.slice(0, 12)}`,
    };
  }
  const outcome = removeInside(r.path, dataDirs, 'IPAM reservation');
  return { outcome, message: outcome === 'done' ? `released (was ${r.containerId.slice(0, 12)})` : 'already released' };
}
