// The port report: listeners from /proc/<member>/net/* per netns, owners from one /proc/*/fd
// scan, pods from one CRI snapshot. Nothing is cached across calls: every report is fresh.
import type { CriClient } from '../cri/client';
import type { ErrorCode } from '../../shared/errors';
import { DEFAULT_PROC_ROOT } from '../host/proc';
import { normalizeUnixAddress, unixSocketPath } from '../../shared/endpoint';
import { loadCriIndex } from './cri-index';
import { allNetnsTargets, hostTarget, type NetnsTarget } from './netns';
import { OwnerResolver } from './owners';
import { parseProcNet, type Family, type Protocol, type ProcNetEntry } from './proc-net';
import { readTable } from './read-table';
import { scanSocketOwners } from './socket-owners';
import { KUBESPRAY_NODE_PORTS, type Listener, type NetnsRef, type PortCheck, type PortReport } from './types';

export interface PortsDeps {
  procRoot?: string;
  cri?: CriClient;
  netnsDirs?: readonly string[];
  containerdAddress?: string;
  containerdNamespace?: string;
  /** containerd's root and state dirs: a container whose shim is gone is known by its task bundle there. */
  containerdDirs?: readonly string[];
}

export interface ListPortsOptions {
  allNetns?: boolean;
}

export const DEFAULT_CONTAINERD_NAMESPACE = 'k8s.io';

const TABLES: readonly [Protocol, Family, string][] = [
  ['tcp', 4, 'tcp'],
  ['tcp', 6, 'tcp6'],
  ['udp', 4, 'udp'],
  ['udp', 6, 'udp6'],
];

interface RawListener {
  entry: ProcNetEntry;
  netns: NetnsRef;
}

/** Read the four socket tables of one netns through its first member still alive. */
function readNetns(target: NetnsTarget, procRoot: string): { listeners: ProcNetEntry[]; malformed: number; ref: NetnsRef } {
  const ref = { ...target.ref };
  for (const pid of target.members) {
    const texts: string[] = [];
    let gone = false;
    for (const [, , file] of TABLES) {
      try {
        texts.push(readTable(`${procRoot}/${pid}/net/${file}`, { stopAfterListeners: file.startsWith('tcp') }));
      } catch (err) {
        // tcp6/udp6 are absent when IPv6 is disabled; the pid vanishing means: try the next member.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && file.endsWith('6') && texts.length > 0) {
          texts.push('');
          continue;
        }
        gone = true;
        break;
      }
    }
    if (gone) continue;
    ref.memberPid = pid;
    const listeners: ProcNetEntry[] = [];
    let malformed = 0;
    TABLES.forEach(([protocol, family], i) => {
      const r = parseProcNet(texts[i], protocol, family, { listenersOnly: true });
      listeners.push(...r.entries);
      malformed += r.malformed;
    });
    return { listeners, malformed, ref };
  }
  if (target.members.length) ref.unread = 'every member process exited while the netns was read';
  delete ref.memberPid;
  return { listeners: [], malformed: 0, ref };
}

function containerdAddressOf(deps: PortsDeps): string | undefined {
  if (deps.containerdAddress) return normalizeUnixAddress(deps.containerdAddress);
  const sock = deps.cri ? unixSocketPath(deps.cri.endpoint, { bare: true }) : undefined;
  return sock ? normalizeUnixAddress(sock) : undefined;
}

/**
 * The error registry pulls in @grpc/grpc-js (≈ 45 ms to load); the report only needs it to
 * fail, so a one-shot CLI process does not pay for it on the way to a successful report.
 */
function fail(code: ErrorCode, message: string, details: Record<string, unknown>): Error {
  const { ksError } = require('../../shared/errors') as typeof import('../../shared/errors');
  return ksError(code, message, details);
}

async function collect(opts: ListPortsOptions & { ports?: ReadonlySet<number> }, deps: PortsDeps): Promise<PortReport> {
  const procRoot = deps.procRoot ?? DEFAULT_PROC_ROOT;
  // Ask the CRI while /proc is read; the answer is only needed for the owners.
  const criPromise = loadCriIndex(deps.cri);
  criPromise.catch(() => undefined);
  let targets: NetnsTarget[];
  if (opts.allNetns) {
    targets = allNetnsTargets(deps.netnsDirs ?? [], procRoot);
  } else {
    const host = hostTarget(procRoot);
    if (!host)
      throw fail('KS_INTERNAL', `cannot find the host network namespace under ${procRoot} (/proc/1/ns/net unreadable)`, { procRoot });
    targets = [host];
  }
  const raw: RawListener[] = [];
  const scanned: NetnsRef[] = [];
  let malformed = 0;
  for (const target of targets) {
    if (target.members.length === 0) {
      scanned.push(target.ref);
      continue;
    }
    const r = readNetns(target, procRoot);
    scanned.push(r.ref);
    malformed += r.malformed;
    for (const entry of r.listeners) {
      if (opts.ports && !opts.ports.has(entry.localPort)) continue;
      raw.push({ entry, netns: r.ref });
    }
  }

  const scan = scanSocketOwners(new Set(raw.map((r) => r.entry.inode)), procRoot);
  const cri = await criPromise;
  const hostInode = scanned.find((n) => n.host)?.inode ?? hostTarget(procRoot)?.ref.inode;
  const resolver = new OwnerResolver({
    procRoot,
    cri,
    hostNetnsInode: hostInode,
    containerdAddress: containerdAddressOf(deps),
    containerdNamespace: deps.containerdNamespace ?? DEFAULT_CONTAINERD_NAMESPACE,
    containerdDirs: deps.containerdDirs ?? [],
  });
  const listeners: Listener[] = await Promise.all(
    raw.map(async ({ entry, netns }) => ({
      protocol: entry.protocol,
      family: entry.family,
      address: entry.localAddress,
      port: entry.localPort,
      inode: entry.inode,
      netns,
      owners: await Promise.all((scan.owners.get(entry.inode) ?? []).map((pid) => resolver.owner(pid))),
    })),
  );
  listeners.sort(
    (a, b) =>
      Number(b.netns.host) - Number(a.netns.host) ||
      a.netns.inode - b.netns.inode ||
      cmp(a.protocol, b.protocol) ||
      a.port - b.port ||
      a.family - b.family ||
      cmp(a.address, b.address),
  );
  const report: PortReport = { listeners, malformedLines: malformed, netnsScanned: scanned, generatedAt: new Date().toISOString() };
  if (!cri.ok) report.criError = cri.error;
  return report;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every listener (TCP LISTEN, bound unconnected UDP) in the host netns, or in every netns. */
export function listPorts(opts: ListPortsOptions, deps: PortsDeps): Promise<PortReport> {
  return collect({ allNetns: opts.allNetns ?? false }, deps);
}

export function validatePorts(ports: readonly number[]): number[] {
  const bad = ports.filter((p) => !Number.isInteger(p) || p < 1 || p > 65535);
  if (bad.length) throw fail('KS_INVALID_ARGUMENT', `ports must be integers 1–65535; got ${bad.join(', ')}`, { bad });
  return [...new Set(ports)].sort((a, b) => a - b);
}

/**
 * Which of these ports are held in the host netns, and by whom. A port is held when any
 * host-netns listener uses it, on any address, v4 or v6: a new bind on it would fail (or, for
 * a wildcard bind, clash). Empty `ports` = the Kubespray node set.
 */
export async function checkPorts(ports: readonly number[], deps: PortsDeps): Promise<PortCheck> {
  const wanted = validatePorts(ports.length ? ports : KUBESPRAY_NODE_PORTS);
  const report = await collect({ allNetns: false, ports: new Set(wanted) }, deps);
  const results = wanted.map((port) => {
    const listeners = report.listeners.filter((l) => l.port === port);
    return { port, held: listeners.length > 0, listeners };
  });
  return { allFree: results.every((r) => !r.held), ports: results };
}
