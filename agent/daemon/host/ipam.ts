// host-local IPAM reservations: `<dataDir>/<network>/<ip>`, a file per leased address whose
// first line is the CNI container id (a sandbox id under containerd) and whose second is the
// interface (plugins ≥ 0.8.6 write `<id>\r\n<ifname>`; older ones the id alone). The plugin's
// own DEL deletes the file; when kubesweep skips a network's DEL (the CNI fallback) the lease
// would stay until the dataDir is wiped, and a rejoined node would hand out fewer addresses.
// Other files there (`lock`, `last_reserved_ip.0`) are host-local's bookkeeping: never touched.
import { isIP } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { removeInside } from './paths';

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
    networks = readdirSync(dataDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
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
        holder = parseReservation(readFileSync(p, 'utf8'));
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
