// What a systemd unit's hardening should do to the process it runs, derived from the unit's own
// text — so a test comparing it with the running process fails when the unit and reality differ
// (an option dropped, misspelt, or not honoured by the systemd that runs it).

/** Linux capability numbers (include/uapi/linux/capability.h). */
const CAP_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
});
const ALL_CAPS = Object.values(CAP_NUMBERS).reduce((m, n) => m | (1n << BigInt(n)), 0n);

/** The [Service] section's settings, each key with its values in order (keys may repeat). */
export function serviceSettings(unitText: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (section !== 'Service' || eq < 0) continue;
    const key = line.slice(0, eq).trim();
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return out;
}

/** A capability list setting as systemd reads it: lines add up, `~` inverts, an empty value resets. */
export function capabilityMask(values: readonly string[] | undefined, unset: bigint): bigint {
  if (values === undefined) return unset;
  let mask = 0n;
  for (const v of values) {
    if (v === '') {
      mask = 0n;
      continue;
    }
    const invert = v.startsWith('~');
    let m = 0n;
    for (const name of v.replace(/^~/, '').split(/\s+/)) {
      const n = CAP_NUMBERS[name];
      if (n === undefined) throw new Error(`unknown capability ${name} in the unit`);
      m |= 1n << BigInt(n);
    }
    mask = invert ? ALL_CAPS & ~m : mask | m;
  }
  return mask;
}

const yes = (v: string | undefined) => v !== undefined && /^(yes|true|on|1)$/i.test(v);
const last = (s: Map<string, string[]>, key: string) => s.get(key)?.at(-1);

/** Options that give a service a mount namespace of its own (systemd.exec(5)). */
const MOUNT_NS_OPTIONS = [
  'PrivateTmp',
  'PrivateDevices',
  'PrivateMounts',
  'ProtectSystem',
  'ProtectHome',
  'ProtectKernelTunables',
  'ProtectKernelModules',
  'ProtectKernelLogs',
  'ProtectControlGroups',
  'ProtectProc',
  'ProcSubset',
  'ProtectHostname',
  'ProtectClock',
  'ReadOnlyPaths',
  'ReadWritePaths',
  'InaccessiblePaths',
  'TemporaryFileSystem',
  'BindPaths',
  'BindReadOnlyPaths',
  'RootDirectory',
  'RootImage',
];

/** Options that make systemd install a seccomp filter. */
const SECCOMP_OPTIONS = [
  'SystemCallFilter',
  'SystemCallArchitectures',
  'RestrictAddressFamilies',
  'RestrictNamespaces',
  'LockPersonality',
  'RestrictRealtime',
  'RestrictSUIDSGID',
  'MemoryDenyWriteExecute',
];

export type PathAccess = 'rw' | 'ro' | 'none';

export interface ExpectedSandbox {
  /** CapBnd, and for a root service CapPrm/CapEff as well. */
  capabilities: bigint;
  ambient: bigint;
  noNewPrivs: boolean;
  seccomp: boolean;
  privateMounts: boolean;
  /** What the service may do to each probed path. */
  paths: Record<string, PathAccess>;
  restrictNamespaces: boolean;
  lockPersonality: boolean;
  restrictSuid: boolean;
  /** System call groups denied by SystemCallFilter=~… lines. */
  deniedGroups: Set<string>;
}

/** The paths probed for access: system, config, homes, temp, and the service's own dirs. */
export const PROBED_PATHS = ['/usr', '/etc', '/boot', '/root', '/home', '/tmp', '/var/tmp', '/var/lib/kubesweep', '/run/kubesweep'];

function pathAccess(s: Map<string, string[]>, p: string): PathAccess {
  const under = (dirs: readonly string[]) => dirs.some((d) => p === d || p.startsWith(d.endsWith('/') ? d : d + '/'));
  const list = (key: string) =>
    (s.get(key) ?? [])
      .flatMap((v) => v.split(/\s+/))
      .filter(Boolean)
      .map((d) => d.replace(/^[-+]/, ''));
  const own = [
    ...list('StateDirectory').map((d) => `/var/lib/${d}`),
    ...list('RuntimeDirectory').map((d) => `/run/${d}`),
    ...list('ReadWritePaths'),
  ];
  if (under(list('InaccessiblePaths'))) return 'none';
  const home = last(s, 'ProtectHome');
  if (under(['/home', '/root', '/run/user'])) {
    if (yes(home)) return 'none';
    if (home === 'read-only') return 'ro';
  }
  if (under(own)) return 'rw';
  if (under(list('ReadOnlyPaths'))) return 'ro';
  const system = last(s, 'ProtectSystem');
  if (system === 'strict' && !under(['/dev', '/proc', '/sys'])) return 'ro';
  if ((yes(system) || system === 'full') && under(['/usr', '/boot', '/efi'])) return 'ro';
  if (system === 'full' && under(['/etc'])) return 'ro';
  return 'rw';
}

export function expectedSandbox(unitText: string): ExpectedSandbox {
  const s = serviceSettings(unitText);
  const capabilities = capabilityMask(s.get('CapabilityBoundingSet'), ALL_CAPS);
  const paths: Record<string, PathAccess> = {};
  for (const p of PROBED_PATHS) paths[p] = pathAccess(s, p);
  const filters = s.get('SystemCallFilter') ?? [];
  const deniedGroups = new Set(filters.filter((f) => f.startsWith('~')).flatMap((f) => f.slice(1).split(/\s+/)));
  return {
    capabilities,
    ambient: capabilityMask(s.get('AmbientCapabilities'), 0n),
    noNewPrivs: yes(last(s, 'NoNewPrivileges')),
    seccomp: SECCOMP_OPTIONS.some((k) => s.has(k) && last(s, k) !== '' && last(s, k) !== 'no'),
    privateMounts: MOUNT_NS_OPTIONS.some((k) => s.has(k) && last(s, k) !== '' && last(s, k) !== 'no'),
    paths,
    restrictNamespaces: yes(last(s, 'RestrictNamespaces')),
    lockPersonality: yes(last(s, 'LockPersonality')),
    restrictSuid: yes(last(s, 'RestrictSUIDSGID')),
    deniedGroups,
  };
}

/** A /proc/PID/status hex capability field as a mask. */
export const statusCaps = (status: string, field: string): bigint => {
  const m = new RegExp(`^${field}:\\s+([0-9a-f]+)$`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc status`);
  return BigInt('0x' + m[1]);
};

export const statusField = (status: string, field: string): string | undefined =>
  new RegExp(`^${field}:\\s+(.*)$`, 'm').exec(status)?.[1].trim();

export function capNames(mask: bigint): string[] {
  return Object.entries(CAP_NUMBERS)
    .filter(([, n]) => (mask >> BigInt(n)) & 1n)
    .map(([name]) => name);
}
