// Parsing /proc/net/{tcp,tcp6,udp,udp6}. Pure: text in, entries out. A line that does not have
// the kernel's shape is skipped and counted, never thrown on: the report must still come out
// when one line is odd (a future kernel column, a truncated read).
import { endianness } from 'node:os';

export type Protocol = 'tcp' | 'udp';
export type Family = 4 | 6;

export interface ProcNetEntry {
  protocol: Protocol;
  family: Family;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Kernel socket state (TCP_* numbering; UDP uses 7 = unconnected, 1 = connected). */
  state: number;
  uid: number;
  inode: number;
}

export interface ProcNetParse {
  entries: ProcNetEntry[];
  /** Lines that were neither the header nor a well-formed socket line. */
  malformed: number;
}

export interface ProcNetOptions {
  /** Keep only listeners (see isListener); cheaper on a node with many connections. */
  listenersOnly?: boolean;
  /** Byte order the kernel printed the address words in: the machine's own by default. */
  littleEndian?: boolean;
}

export const TCP_LISTEN = 0x0a;
export const UDP_UNCONNECTED = 0x07;

const HEX8 = /^[0-9A-Fa-f]{8}$/;
const HEX32 = /^[0-9A-Fa-f]{32}$/;
const HEX4 = /^[0-9A-Fa-f]{4}$/;
const HEX2 = /^[0-9A-Fa-f]{2}$/;
const DIGITS = /^\d+$/;

const MACHINE_LE = endianness() === 'LE';

/**
 * A listener is what makes a later bind() of the same port fail: a TCP socket in LISTEN, or a
 * UDP socket bound to a local port with no peer (`ss -lu` shows these as UNCONN).
 */
export function isListener(e: Pick<ProcNetEntry, 'protocol' | 'state' | 'remotePort' | 'localPort'>): boolean {
  if (e.protocol === 'tcp') return e.state === TCP_LISTEN;
  return e.remotePort === 0 && e.state === UDP_UNCONNECTED && e.localPort !== 0;
}

export function parseProcNet(text: string, protocol: Protocol, family: Family, opts: ProcNetOptions = {}): ProcNetParse {
  const le = opts.littleEndian ?? MACHINE_LE;
  const listenersOnly = opts.listenersOnly ?? false;
  const addrLen = family === 4 ? 8 : 32;
  const entries: ProcNetEntry[] = [];
  let malformed = 0;
  let start = 0;
  let first = true;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (first) {
      first = false;
      if (/^\s*sl\s/.test(line)) continue;
    }
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    // sl: local rem st tx:rx tr:when retrnsmt uid timeout inode …
    if (f.length < 10 || !/^\d+:$/.test(f[0])) {
      malformed++;
      continue;
    }
    const local = splitHostPort(f[1], addrLen);
    const remote = splitHostPort(f[2], addrLen);
    const st = f[3];
    const uid = f[7];
    const inode = f[9];
    if (!local || !remote || !HEX2.test(st) || !DIGITS.test(uid) || !DIGITS.test(inode)) {
      malformed++;
      continue;
    }
    const state = parseInt(st, 16);
    const localPort = parseInt(local[1], 16);
    const remotePort = parseInt(remote[1], 16);
    if (listenersOnly && !isListener({ protocol, state, remotePort, localPort })) continue;
    entries.push({
      protocol,
      family,
      localAddress: formatAddress(local[0], family, le),
      localPort,
      remoteAddress: formatAddress(remote[0], family, le),
      remotePort,
      state,
      uid: Number(uid),
      inode: Number(inode),
    });
  }
  return { entries, malformed };
}

function splitHostPort(field: string, addrLen: number): [string, string] | undefined {
  const colon = field.indexOf(':');
  if (colon !== addrLen) return undefined;
  const host = field.slice(0, colon);
  const port = field.slice(colon + 1);
  if (!(addrLen === 8 ? HEX8 : HEX32).test(host) || !HEX4.test(port)) return undefined;
  return [host, port];
}

/** The kernel prints each 32-bit word of the address as the in-memory integer, in hex. */
function wordBytes(hex8: string, le: boolean): number[] {
  const b = [0, 2, 4, 6].map((i) => parseInt(hex8.slice(i, i + 2), 16));
  return le ? b.reverse() : b;
}

export function formatAddress(hex: string, family: Family, littleEndian = MACHINE_LE): string {
  if (family === 4) return wordBytes(hex, littleEndian).join('.');
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8), littleEndian));
  return formatIpv6(bytes);
}

/** RFC 5952 text: lower case, longest zero run (≥ 2 groups) as '::', v4-mapped as ::ffff:a.b.c.d. */
export function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** True for 0.0.0.0 and :: — a socket bound to every address of its family. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}
