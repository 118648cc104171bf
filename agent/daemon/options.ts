// The agent's options, each written once: its flag, its key in the config file, its type and
// bounds, its default and its help. config.ts derives the flag parser, the file loader's keys,
// --help and validation from this table; docs/configuration.md's "Configuration reference" is rendered from
// it (test/unit/daemon/options.test.ts fails when they differ; `npm run gen:readme-config`
// rewrites it). Adding an option is adding one entry here (and its tests).
import { hostname } from 'node:os';
import path from 'node:path';
import { DEFAULT_ENDPOINT, unixSocketPath } from '../shared/endpoint';
import { DEFAULT_CNI_CONF_PATTERNS } from './host/cni-config';
import { DEFAULT_FIREWALL_PREFIXES } from './host/firewall';
import { DEFAULT_NFT_TABLES, isNftTableName } from './host/nftables';
import { DEFAULT_POD_CGROUP_PARENTS, isCgroupParent } from './host/pod-cgroups';
import { globProblems } from './host/glob';
import { DEFAULT_CNI_CACHE_DIR } from './host/cni-cache';
import { DEFAULT_IPAM_DIRS } from './host/ipam';
import { DEFAULT_KUBELET_DIR } from './host/kubelet-mounts';
import { DEFAULT_LINK_PATTERNS } from './host/links';
import { LOG_LEVELS, type LogLevel } from './log';
import { KUBESPRAY_NODE_PORTS } from './ports/types';

/** What a check may ask of the machine (tests pass their own). */
export interface CheckEnv {
  isFile(p: string): boolean;
}

export interface OptionDef<T> {
  /** Key in the YAML/JSON file; `a.b` is key `b` of the mapping `a`. */
  file: string;
  /** Long flag without `--`; absent = file only. */
  flag?: string;
  /** Placeholder for the flag's value in --help. */
  arg?: string;
  /** The flag may be given more than once; the flags' values replace the file's list. */
  repeatable?: boolean;
  /** For the docs: what kind of value, and its bounds. */
  type: string;
  default: T;
  /** The default as the file would write it, when that differs from the parsed value (listen). */
  fileDefault?: unknown;
  /** How the docs show the default when the value itself says little (or differs per host). */
  defaultText?: string;
  /** The default is this host's (nodeName): the example config shows a placeholder, not a value. */
  perHost?: boolean;
  /** One line; markdown backticks are dropped in --help. */
  help: string;
  /** Flag text (a list when repeatable) → the raw value the file would hold. Default: as given. */
  fromFlag?: (v: string | string[]) => unknown;
  /**
   * Validate one given value (never undefined: not given = the default, unchecked). Push every
   * problem, prefixed with `name`; return the value, or undefined when it is unusable (the
   * default then stands in, so the checks across options still run).
   */
  check: (v: unknown, name: string, problems: string[], env: CheckEnv) => T | undefined;
}

const opt = <T>(d: OptionDef<T>): OptionDef<T> => d;

export const MAX_UNIX_PATH = 107;
const NODE_NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const ROLE_ENTRY_RE = /^(CN|O|OU)=[^\x00-\x1f]{1,128}$/;
const NAMESPACE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,75}$/;
const UNIT_RE = /^[A-Za-z0-9:_.@-]{1,200}$/;

// Teardown calls mostly wait (runc, CNI plugins, shim exits), so more calls in flight than cores
// keeps containerd busy; measured on 2 cores: 4 in flight was 1.1–1.5x slower than unbounded,
// 16 matched it (scripts/bench/reset.ts).
export const DEFAULT_PARALLELISM = 16;

export type Role = 'reader' | 'admin';

/** Client certificate subject attributes (`CN=…`, `O=…`, `OU=…`) that grant each role. */
export interface RoleMapping {
  admin: readonly string[];
  reader: readonly string[];
}

export type ListenAddress = { kind: 'unix'; path: string; raw: string } | { kind: 'tcp'; host: string; port: number; raw: string };

/** The agent's socket: where the client looks first. */
export const DEFAULT_SOCKET = DEFAULT_ENDPOINT;

export const OPTIONS = {
  nodeName: opt({
    file: 'nodeName',
    flag: 'node-name',
    arg: 'NAME',
    type: 'RFC 1123 name',
    default: hostname().toLowerCase(),
    defaultText: 'host name',
    perHost: true,
    help: 'the name destructive calls must confirm',
    check: (v, name, problems) => {
      const s = str(name, v, problems);
      if (s === undefined) return undefined;
      if (!NODE_NAME_RE.test(s))
        problems.push(`${name}: "${truncate(s)}" is not a valid node name (lowercase RFC 1123 subdomain, at most 253 characters)`);
      return s;
    },
  }),
  criEndpoint: opt({
    file: 'criEndpoint',
    flag: 'cri-endpoint',
    arg: 'ENDPOINT',
    type: '`unix:///path`',
    default: 'unix:///run/containerd/containerd.sock',
    help: 'CRI socket; its path is also the `-address` that marks our shims',
    check: (v, name, problems) => {
      const s = str(name, v, problems);
      if (s === undefined) return undefined;
      const sock = unixSocketPath(s);
      if (sock === undefined) problems.push(`${name}: "${truncate(s)}" must be unix:///absolute/path`);
      else checkAbsPath(name, sock, problems);
      return s;
    },
  }),
  containerdNamespace: opt({
    file: 'containerdNamespace',
    flag: 'containerd-namespace',
    arg: 'NS',
    type: 'name',
    default: 'k8s.io',
    help: 'containerd namespace of the CRI plugin',
    check: (v, name, problems) => {
      const s = str(name, v, problems);
      if (s === undefined) return undefined;
      if (!NAMESPACE_RE.test(s)) problems.push(`${name}: "${truncate(s)}" is not a valid containerd namespace`);
      return s;
    },
  }),
  containerdDirs: opt<readonly string[]>({
    file: 'containerdDirs',
    flag: 'containerd-dir',
    arg: 'DIR',
    repeatable: true,
    type: 'absolute paths, 0–32',
    default: ['/run/containerd', '/var/lib/containerd'],
    help: 'leftover container mounts are unmounted only under these',
    check: (v, name, problems) => dirList(name, v, 0, problems),
  }),
  containerdConfig: opt({
    file: 'containerdConfig',
    flag: 'containerd-config',
    arg: 'FILE',
    type: 'absolute path',
    default: '/etc/containerd/config.toml',
    help: "containerd's config file (versions 1–4, `imports` followed): the dir options left unset are read from it when containerd has never answered this agent (docs/runtime-learning.md)",
    check: (v, name, problems) => absDir(name, v, problems),
  }),
  manifestsDir: opt({
    file: 'manifestsDir',
    flag: 'manifests-dir',
    arg: 'DIR',
    type: 'absolute path',
    default: '/etc/kubernetes/manifests',
    help: 'static pod manifests (backed up, then removed)',
    check: (v, name, problems) => absDir(name, v, problems),
  }),
  netnsDirs: opt<readonly string[]>({
    file: 'netnsDirs',
    flag: 'netns-dir',
    arg: 'DIR',
    repeatable: true,
    type: 'absolute paths, 1–32',
    default: ['/var/run/netns'],
    help: "where CNI netns files live (with containerd's `netns_mounts_under_state_dir`: `<state>/io.containerd.grpc.v1.cri/netns`)",
    check: (v, name, problems) => dirList(name, v, 1, problems),
  }),
  stateDir: opt({
    file: 'stateDir',
    flag: 'state-dir',
    arg: 'DIR',
    type: 'absolute path',
    default: '/var/lib/kubesweep',
    help: "kubesweep's state: manifest backups (`backups/`) and the run journal (`journal`)",
    check: (v, name, problems) => absDir(name, v, problems),
  }),
  cniConfDir: opt({
    file: 'cniConfDir',
    flag: 'cni-conf-dir',
    arg: 'DIR',
    type: 'absolute path or `""`',
    default: '/etc/cni/net.d',
    help: 'containerd\'s CNI conf dir: the CNI teardown fallback adds its one file here while it runs (refused unless containerd reports this dir), and kind `cni-config` (opt-in) backs up and removes the old plugin\'s files (`cniConfPatterns`); `""` = neither',
    check: (v, name, problems) => optionalAbsDir(name, v, problems),
  }),
  kubeletUnit: opt({
    file: 'kubeletUnit',
    flag: 'kubelet-unit',
    arg: 'UNIT',
    type: 'systemd unit',
    default: 'kubelet.service',
    help: 'unit stopped first; `""` = skip',
    check: (v, name, problems) => {
      const s = str(name, v, problems);
      if (s === undefined) return undefined;
      if (s !== '' && !UNIT_RE.test(s)) problems.push(`${name}: "${truncate(s)}" is not a valid systemd unit name`);
      return s;
    },
  }),
  // What a rejoin trips over (docs/rejoin.md): each option feeds one cleanup kind.
  kubeletDir: opt({
    file: 'kubeletDir',
    flag: 'kubelet-dir',
    arg: 'DIR',
    type: 'absolute path',
    default: DEFAULT_KUBELET_DIR,
    help: "the kubelet's root dir: mounts under it are unmounted deepest first, then `pods/<uid>` dirs removed (kind `kubelet-mounts`)",
    check: (v, name, problems) => absDir(name, v, problems),
  }),
  cniConfPatterns: opt<readonly string[]>({
    file: 'cniConfPatterns',
    flag: 'cni-conf-pattern',
    arg: 'GLOB',
    repeatable: true,
    type: 'file-name globs, 0–64',
    default: DEFAULT_CNI_CONF_PATTERNS,
    defaultText: '`*calico*` `*flannel*` `*canal*` `*cilium*` `*weave*` `*kube-router*` `*kuberouter*` `*multus*` `*antrea*` `*kube-ovn*`',
    help: "which files of the CNI config dir are the old network plugin's",
    fromFlag: (v) => [v].flat().filter((x) => x !== ''),
    check: (v, name, problems) => globList(name, v, problems),
  }),
  cniIpamDirs: opt<readonly string[]>({
    file: 'cniIpamDirs',
    flag: 'cni-ipam-dir',
    arg: 'DIR',
    repeatable: true,
    type: 'absolute paths, 0–32',
    default: DEFAULT_IPAM_DIRS,
    help: 'host-local IPAM data dirs: reservations whose container is not a live sandbox are released (kind `ipam`); the CNI teardown fallback releases skipped leases in the first; `--cni-ipam-dir ""` = none',
    fromFlag: (v) => [v].flat().filter((x) => x !== ''),
    check: (v, name, problems) => dirList(name, v, 0, problems),
  }),
  cniCacheDir: opt({
    file: 'cniCacheDir',
    flag: 'cni-cache-dir',
    arg: 'DIR',
    type: 'absolute path or `""`',
    default: DEFAULT_CNI_CACHE_DIR,
    help: 'libcni\'s result cache (containerd\'s CNI library writes one file per pod network at ADD): files of dead CRI sandboxes whose netns lies in netnsDirs and is gone are removed (kind `cni-cache`); `""` = none',
    check: (v, name, problems) => optionalAbsDir(name, v, problems),
  }),
  linkPatterns: opt<readonly string[]>({
    file: 'linkPatterns',
    flag: 'link-pattern',
    arg: 'GLOB',
    repeatable: true,
    type: 'link-name globs, 0–64',
    default: DEFAULT_LINK_PATTERNS,
    defaultText: 'the links of Flannel, Calico, Cilium, kube-proxy IPVS, NodeLocal DNS, kube-router and Weave (see docs/rejoin.md)',
    help: 'links in the agent\'s network namespace a reset deletes (kind `links`); `--link-pattern ""` = none',
    fromFlag: (v) => [v].flat().filter((x) => x !== ''),
    check: (v, name, problems) => globList(name, v, problems),
  }),
  firewallPrefixes: opt<readonly string[]>({
    file: 'firewallPrefixes',
    flag: 'firewall-prefix',
    arg: 'PREFIX',
    repeatable: true,
    type: 'chain-name prefixes, 1–32',
    default: DEFAULT_FIREWALL_PREFIXES,
    defaultText: '`KUBE-` `CNI-` `cali-` `FLANNEL` `CILIUM` `OLD_CILIUM` `WEAVE`',
    help: 'iptables chains with these prefixes, and the rules jumping to them, are removed (kind `firewall`, opt-in)',
    check: (v, name, problems) =>
      checkedList(
        name,
        v,
        {
          min: 1,
          max: 32,
          plural: 'chain-name prefixes',
          ok: (p) => /^[A-Za-z0-9_.-]{2,28}$/.test(p),
          bad: 'not a chain-name prefix (2-28 of A-Z a-z 0-9 _ . -)',
        },
        problems,
      ),
  }),
  etcdDataDir: opt({
    file: 'etcdDataDir',
    flag: 'etcd-data-dir',
    arg: 'DIR',
    type: 'absolute path or `""`',
    default: '/var/lib/etcd',
    help: 'a local etcd member\'s data dir (Kubespray `etcd_data_dir`, kubeadm\'s etcd hostPath): kind `etcd-data` (opt-in) moves its content aside into `kubesweep-backup-<id>/` inside it, never across filesystems, while no process holds it or listens on `etcdPorts`; `""` = none',
    check: (v, name, problems) => optionalAbsDir(name, v, problems),
  }),
  etcdPorts: opt<readonly number[]>({
    file: 'etcdPorts',
    flag: 'etcd-port',
    arg: 'PORT',
    repeatable: true,
    type: 'ports, 0–16',
    default: [2379, 2380],
    help: "etcd's client and peer ports: a listener on one means etcd runs, and kind `etcd-data` leaves the data dir in place",
    fromFlag: portsFromFlag,
    check: (v, name, problems) => portList(name, v, 16, problems),
  }),
  kubernetesDir: opt({
    file: 'kubernetesDir',
    flag: 'kubernetes-dir',
    arg: 'DIR',
    type: 'absolute path or `""`',
    default: '/etc/kubernetes',
    help: 'where the kubelet\'s kubeconfigs are (`kubelet.conf`, `bootstrap-kubelet.conf`): kind `kubelet-state` (opt-in) backs them up and removes them; `""` = leave them',
    check: (v, name, problems) => optionalAbsDir(name, v, problems),
  }),
  kubeletPorts: opt<readonly number[]>({
    file: 'kubeletPorts',
    flag: 'kubelet-port',
    arg: 'PORT',
    repeatable: true,
    type: 'ports, 0–16',
    default: [10250, 10248],
    help: "the kubelet's API and healthz ports: a listener on one means a kubelet runs, and kind `kubelet-state` leaves its state in place",
    fromFlag: portsFromFlag,
    check: (v, name, problems) => portList(name, v, 16, problems),
  }),
  firewallNftTables: opt<readonly string[]>({
    file: 'firewallNftTables',
    flag: 'firewall-nft-table',
    arg: 'TABLE',
    repeatable: true,
    type: '`FAMILY NAME` of nftables tables, 0–32',
    default: DEFAULT_NFT_TABLES,
    defaultText:
      '`ip kube-proxy` `ip6 kube-proxy` `ip calico` `ip6 calico` `ip flannel-ipv4` `ip6 flannel-ipv6` `inet kube-network-policies`',
    help: 'native nftables tables removed whole, after `nft list ruleset` is backed up (kind `firewall`, opt-in); `--firewall-nft-table ""` = none',
    fromFlag: (v) => [v].flat().filter((x) => x !== ''),
    check: (v, name, problems) =>
      checkedList(
        name,
        v,
        {
          min: 0,
          max: 32,
          plural: 'nftables tables ("FAMILY NAME")',
          ok: isNftTableName,
          bad: 'not "FAMILY NAME" (family ip, ip6, inet, arp, bridge or netdev)',
        },
        problems,
      ),
  }),
  podCgroupParents: opt<readonly string[]>({
    file: 'podCgroupParents',
    flag: 'pod-cgroup-parent',
    arg: 'CGROUP',
    repeatable: true,
    type: 'cgroup paths (absolute path in each cgroup hierarchy), 0–16',
    default: DEFAULT_POD_CGROUP_PARENTS,
    defaultText: '`/kubepods` (cgroupfs driver) `/kubepods.slice` (systemd driver)',
    help: 'the kubelet\'s pod cgroup hierarchy: empty cgroups of pods and containers the CRI no longer knows are removed (rmdir) or, for systemd slices and scopes, stopped through systemd (kind `pod-cgroups`); `--pod-cgroup-parent ""` = none',
    fromFlag: (v) => [v].flat().filter((x) => x !== ''),
    check: (v, name, problems) =>
      checkedList(
        name,
        v,
        {
          min: 0,
          max: 16,
          plural: 'cgroup paths',
          ok: isCgroupParent,
          bad: 'not an absolute cgroup path below the root (no "." or ".." segments)',
        },
        problems,
      ),
  }),
  listen: opt<readonly ListenAddress[]>({
    file: 'listen',
    flag: 'listen',
    arg: 'ADDR',
    repeatable: true,
    type: 'addresses, 1–8',
    default: [parseListen(DEFAULT_SOCKET)!],
    fileDefault: [DEFAULT_SOCKET],
    defaultText: `\`${DEFAULT_SOCKET}\``,
    help: '`unix:///path` or `host:port` (TCP: mTLS only)',
    check: (v, name, problems) => {
      const list: unknown = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list)) {
        problems.push(`${name}: must be a list of unix:///path or host:port`);
        return undefined;
      }
      if (list.length === 0) problems.push(`${name}: at least one address is needed`);
      if (list.length > 8) problems.push(`${name}: at most 8 addresses`);
      const out: ListenAddress[] = [];
      list.forEach((a, i) => {
        const parsed = typeof a === 'string' ? parseListen(a) : undefined;
        if (!parsed)
          problems.push(
            `${name}[${i}]: "${truncate(String(a))}" must be unix:///absolute/path (at most ${MAX_UNIX_PATH} bytes) or host:port with port 1-65535`,
          );
        else out.push(parsed);
      });
      const seen = new Set<string>();
      for (const l of out) {
        if (seen.has(l.raw)) problems.push(`${name}: "${l.raw}" given twice`);
        seen.add(l.raw);
      }
      return out;
    },
  }),
  // The three TLS files are all given or none (config.ts checks that, and that TCP has them).
  tlsCert: opt<string | undefined>({
    file: 'tls.cert',
    flag: 'tls-cert',
    arg: 'FILE',
    type: 'PEM file',
    default: undefined,
    help: 'server certificate; required for any TCP listener',
    check: (v, name, problems, env) => tlsFile(name, v, problems, env),
  }),
  tlsKey: opt<string | undefined>({
    file: 'tls.key',
    flag: 'tls-key',
    arg: 'FILE',
    type: 'PEM file',
    default: undefined,
    help: 'server key; required for any TCP listener',
    check: (v, name, problems, env) => tlsFile(name, v, problems, env),
  }),
  tlsClientCa: opt<string | undefined>({
    file: 'tls.clientCa',
    flag: 'tls-client-ca',
    arg: 'FILE',
    type: 'PEM file',
    default: undefined,
    help: 'CA that signs client certificates; required for any TCP listener',
    check: (v, name, problems, env) => tlsFile(name, v, problems, env),
  }),
  // Optional, and only with the three above; re-read whenever it changes, like them.
  tlsCrl: opt<string | undefined>({
    file: 'tls.crl',
    flag: 'tls-crl',
    arg: 'FILE',
    type: 'PEM file',
    default: undefined,
    help: 'CRL of the client CA (`gen-certs.sh --revoke`): client certificates it lists are refused at the handshake; re-read when it changes',
    check: (v, name, problems, env) => tlsFile(name, v, problems, env),
  }),
  roles: opt<RoleMapping>({
    file: 'roles',
    type: '`{admin: [...], reader: [...]}`',
    default: { admin: ['CN=kubesweep-admin'], reader: ['CN=kubesweep-reader'] },
    defaultText: 'admin `CN=kubesweep-admin`, reader `CN=kubesweep-reader`',
    // Given at all, the mapping is the whole truth: a role it leaves out is granted to nobody.
    help: 'certificate subjects (`CN=…`, `O=…`, `OU=…`) granting each role; a role left out is granted to nobody',
    check: (v, name, problems) => {
      if (!isPlainObject(v)) {
        problems.push(`${name}: must be a mapping { admin: [...], reader: [...] }`);
        return undefined;
      }
      for (const k of Object.keys(v)) if (k !== 'admin' && k !== 'reader') problems.push(`${name}: unknown role "${k}" (admin, reader)`);
      const entries = (k: Role): string[] => {
        const list = v[k];
        if (list === undefined) return [];
        if (!Array.isArray(list)) {
          problems.push(`${name}.${k}: must be a list like ["CN=kubesweep-admin", "O=ops"]`);
          return [];
        }
        const ok: string[] = [];
        list.forEach((e, i) => {
          if (typeof e !== 'string' || !ROLE_ENTRY_RE.test(e))
            problems.push(`${name}.${k}[${i}]: ${JSON.stringify(e)} must be CN=…, O=… or OU=…`);
          else ok.push(e);
        });
        return ok;
      };
      return { admin: entries('admin'), reader: entries('reader') };
    },
  }),
  httpListen: opt({
    file: 'httpListen',
    flag: 'http-listen',
    arg: 'HOST:PORT',
    type: 'host:port or `""`',
    default: '127.0.0.1:9808',
    help: 'health/ports/metrics HTTP server; `""` = off',
    check: (v, name, problems) => {
      const s = str(name, v, problems);
      if (s === undefined) return undefined;
      if (s !== '' && parseListen(s)?.kind !== 'tcp')
        problems.push(`${name}: "${truncate(s)}" must be host:port (port 1-65535) or "" for off`);
      return s;
    },
  }),
  // Off: the HTTP port (anyone on the node can reach it) shows no more than an unprivileged
  // `ss -ltn` would. Owners are for authenticated gRPC callers (reader role).
  httpOwners: opt<boolean>({
    file: 'httpOwners',
    flag: 'http-owners',
    arg: 'BOOL',
    type: 'boolean',
    default: false,
    help: 'also show port owners (pid, command, container, pod) and other netns on the unauthenticated HTTP port; off = port, protocol, address, held/free only',
    fromFlag: (v) => {
      const s = Array.isArray(v) ? v[v.length - 1] : v;
      return s === 'true' ? true : s === 'false' ? false : s;
    },
    check: (v, name, problems) => {
      if (typeof v !== 'boolean') {
        problems.push(`${name}: must be true or false`);
        return undefined;
      }
      return v;
    },
  }),
  expectFreePorts: opt<readonly number[]>({
    file: 'expectFreePorts',
    flag: 'expect-free-ports',
    arg: 'LIST',
    repeatable: true,
    type: 'ports, 0–1024',
    default: KUBESPRAY_NODE_PORTS,
    defaultText: 'the Kubespray node ports',
    help: 'must be free after a reset; a flag takes a comma-separated list',
    // Non-numbers are kept so that validation names them.
    fromFlag: (v) =>
      [v].flat().flatMap((chunk) =>
        chunk
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
      ),
    check: (v, name, problems) => {
      if (!Array.isArray(v)) {
        problems.push(`${name}: must be a list of ports`);
        return undefined;
      }
      if (v.length > 1024) problems.push(`${name}: at most 1024 ports`);
      const bad = v.filter((p) => !isPort(p));
      if (bad.length)
        problems.push(
          `${name}: ${bad
            .slice(0, 5)
            .map((b) => JSON.stringify(b))
            .join(', ')} not a port (1-65535)`,
        );
      return [...new Set(v.filter(isPort))];
    },
  }),
  logLevel: opt<LogLevel>({
    file: 'logLevel',
    flag: 'log-level',
    arg: 'LEVEL',
    type: 'level',
    default: 'info',
    help: `pino level: ${LOG_LEVELS.join(', ')}`,
    check: (v, name, problems) => {
      const s = str(name, v, problems);
      if (s === undefined) return undefined;
      if (!(LOG_LEVELS as readonly string[]).includes(s))
        problems.push(`${name}: "${truncate(s)}" must be one of ${LOG_LEVELS.join(', ')}`);
      return s as LogLevel;
    },
  }),
  // Engine tuning. These bounds are the only ones: the engine's config is derived from the
  // validated agent config (engine-config.ts), not validated again.
  graceSeconds: int({
    file: 'graceSeconds',
    min: 0,
    max: 3600,
    default: 10,
    help: "default grace period of a reset's container stops (a request may give its own)",
  }),
  // 10 min per call: a CRI call (a sandbox stop runs the CNI teardown) still going after that is
  // hung, and one hung call must not hold a reset for an hour. Reads (list, version) keep the CRI
  // client's own 10 s.
  criTimeoutMs: int({
    file: 'criTimeoutMs',
    min: 100,
    max: 600_000,
    default: 60_000,
    help: 'deadline of one teardown CRI call (stop, remove)',
  }),
  // 64: beyond 16 a reset gets no faster (see DEFAULT_PARALLELISM), and more only piles calls
  // onto containerd.
  parallelism: int({ file: 'parallelism', min: 1, max: 64, default: DEFAULT_PARALLELISM, help: 'CRI teardown calls in flight' }),
  // 10: each retry waits up to 5 s of backoff plus a whole criTimeoutMs; past 10 a reset only
  // waits longer for a containerd that is not coming back.
  retries: int({
    file: 'retries',
    min: 0,
    max: 10,
    default: 3,
    help: 'retries of a CRI teardown call that failed transiently (unavailable, deadline, call failed), with backoff',
  }),
  procRoot: opt({
    file: 'procRoot',
    type: 'absolute path',
    default: '/proc',
    help: 'where /proc is (tests point it at fixtures)',
    check: (v, name, problems) => absDir(name, v, problems),
  }),
  maxRequestBytes: int({
    file: 'maxRequestBytes',
    min: 1024,
    max: 4 * 1024 * 1024,
    default: 64 * 1024,
    help: 'largest request the gRPC server accepts',
  }),
  // Abuse bounds (server/limits.ts). A reset is never refused by them: reads are.
  maxReadCalls: int({
    file: 'maxReadCalls',
    min: 1,
    max: 1024,
    default: 32,
    help: 'gRPC read calls (ports, check, inspect, info, dry runs) in flight at once over all transports; more get RESOURCE_EXHAUSTED',
  }),
  httpMaxRequests: int({
    file: 'httpMaxRequests',
    min: 1,
    max: 1024,
    default: 8,
    help: 'HTTP requests in flight at once (`/healthz` is never refused); more get 429',
  }),
  httpMaxConnections: int({
    file: 'httpMaxConnections',
    min: 1,
    max: 4096,
    default: 1024,
    help: 'open HTTP connections; more are closed as they arrive (requests beyond httpMaxRequests on open connections get 429)',
  }),
  maxMemoryMiB: int({
    file: 'maxMemoryMiB',
    min: 64,
    max: 16384,
    default: 256,
    help: 'resident memory above which reads (gRPC and HTTP) are refused until it drops; destructive calls never are',
  }),
  shutdownTimeoutMs: int({
    file: 'shutdownTimeoutMs',
    min: 0,
    max: 600_000,
    default: 60_000,
    help: 'how long SIGTERM waits for a running reset to reach a safe point',
  }),
};

export type OptionName = keyof typeof OPTIONS;
/** The validated value of every option. */
export type OptionValues = { -readonly [K in OptionName]: (typeof OPTIONS)[K] extends OptionDef<infer T> ? T : never };

/** Flags of the program itself (not configuration). */
export const COMMAND_FLAGS = [
  { flag: 'config', arg: 'FILE', help: 'YAML or JSON config file (flags override it)' },
  { flag: 'check-config', help: 'validate the configuration, print it as JSON and exit' },
  { flag: 'print-config', help: 'print a config file listing every option with its help and default, commented out, and exit' },
  { flag: 'version', help: 'print the version and exit' },
  { flag: 'help', help: 'print this help and exit' },
] as const;

function int(o: { file: string; min: number; max: number; default: number; help: string }): OptionDef<number> {
  return {
    file: o.file,
    type: `integer ${o.min}–${o.max}`,
    default: o.default,
    help: o.help,
    check: (v, name, problems) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < o.min || v > o.max) {
        problems.push(`${name}: must be an integer from ${o.min} to ${o.max}`);
        return undefined;
      }
      return v;
    },
  };
}

function str(name: string, v: unknown, problems: string[]): string | undefined {
  if (typeof v !== 'string') {
    problems.push(`${name}: must be a string`);
    return undefined;
  }
  if (v.includes('\0')) {
    problems.push(`${name}: contains a NUL byte`);
    return undefined;
  }
  return v;
}

function absDir(name: string, v: unknown, problems: string[]): string | undefined {
  const p = str(name, v, problems);
  if (p !== undefined) checkAbsPath(name, p, problems);
  return p;
}

function optionalAbsDir(name: string, v: unknown, problems: string[]): string | undefined {
  const p = str(name, v, problems);
  if (p !== undefined && p !== '') checkAbsPath(name, p, problems);
  return p;
}

function dirList(name: string, v: unknown, min: 0 | 1, problems: string[]): string[] | undefined {
  if (!Array.isArray(v)) {
    problems.push(`${name}: must be a list of absolute paths`);
    return undefined;
  }
  if (v.length < min) problems.push(`${name}: must not be empty`);
  if (v.length > 32) problems.push(`${name}: at most 32 entries`);
  const out: string[] = [];
  v.forEach((p, i) => {
    if (typeof p !== 'string') problems.push(`${name}[${i}]: must be a string`);
    else {
      checkAbsPath(`${name}[${i}]`, p, problems);
      out.push(p);
    }
  });
  return out;
}

/** '' counts as not given, so a flag can clear a file's value. */
function globList(name: string, v: unknown, problems: string[]): string[] | undefined {
  if (!Array.isArray(v)) {
    problems.push(`${name}: must be a list of name patterns`);
    return undefined;
  }
  if (v.length > 64) problems.push(`${name}: at most 64 patterns`);
  const found = globProblems(v);
  problems.push(...found.map((p) => `${name}: ${p}`));
  return found.length ? v.filter((g): g is string => typeof g === 'string' && globProblems([g]).length === 0) : (v as string[]);
}

function tlsFile(name: string, v: unknown, problems: string[], env: CheckEnv): string | undefined {
  if (v === '') return undefined;
  if (typeof v !== 'string') problems.push(`${name}: must be a path`);
  else if (!env.isFile(v)) problems.push(`${name}: ${v} is not a readable file`);
  else return v;
  return undefined;
}

/** `unix:///p` → { unix, p }; `host:port` / `[v6]:port` → { tcp }. Undefined when malformed. */
export function parseListen(addr: string): ListenAddress | undefined {
  if (addr.length === 0 || addr.length > 300 || addr.includes('\0')) return undefined;
  const p = unixSocketPath(addr);
  if (p !== undefined) {
    if (!isAbsNormal(p) || p === '/' || Buffer.byteLength(p) > MAX_UNIX_PATH) return undefined;
    return { kind: 'unix', path: p, raw: addr };
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(addr);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { kind: 'tcp', host: m[1] ?? m[2], port, raw: addr };
}

export function checkAbsPath(name: string, p: string, problems: string[]): void {
  if (!isAbsNormal(p)) problems.push(`${name}: "${truncate(p)}" must be an absolute, normalized path`);
  else if (p === '/') problems.push(`${name}: must not be /`);
}

export function isAbsNormal(p: string): boolean {
  return (
    p.length > 0 &&
    p.length <= 4096 &&
    path.isAbsolute(p) &&
    path.posix.normalize(p) === p &&
    (p === '/' || !p.endsWith('/')) &&
    !p.includes('\0')
  );
}

/**
 * A list of min to max strings, each passing ok(): the others are reported (the first five, with
 * what they should be) and dropped; not a list, or a length out of range, is one problem.
 */
function checkedList(
  name: string,
  v: unknown,
  o: { min: 0 | 1; max: number; plural: string; ok: (s: string) => boolean; bad: string },
  problems: string[],
): string[] | undefined {
  if (!Array.isArray(v) || v.length < o.min || v.length > o.max) {
    problems.push(`${name}: must be a list of ${o.min ? `1 to ${o.max}` : `at most ${o.max}`} ${o.plural}`);
    return undefined;
  }
  const bad = v.filter((x) => typeof x !== 'string' || !o.ok(x));
  if (bad.length)
    problems.push(
      `${name}: ${bad
        .slice(0, 5)
        .map((b) => JSON.stringify(b))
        .join(', ')} ${o.bad}`,
    );
  return v.filter((x): x is string => !bad.includes(x));
}

/** `2379` or `2379,2380` per flag; non-numbers are kept so that validation names them. */
function portsFromFlag(v: string | string[]): unknown[] {
  return [v]
    .flat()
    .flatMap((chunk) => chunk.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function portList(name: string, v: unknown, max: number, problems: string[]): number[] | undefined {
  if (!Array.isArray(v)) {
    problems.push(`${name}: must be a list of ports`);
    return undefined;
  }
  if (v.length > max) problems.push(`${name}: at most ${max} ports`);
  const bad = v.filter((p) => !isPort(p));
  if (bad.length)
    problems.push(
      `${name}: ${bad
        .slice(0, 5)
        .map((b) => JSON.stringify(b))
        .join(', ')} not a port (1-65535)`,
    );
  return [...new Set(v.filter(isPort))];
}

function isPort(p: unknown): p is number {
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function truncate(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
