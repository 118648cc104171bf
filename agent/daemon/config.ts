// The agent's configuration: flags, then a YAML/JSON file (--config), then defaults. Validated
// once with every problem collected into one KS_CONFIG_INVALID error, then deep-frozen, so no
// later code can be surprised by a half-valid or mutated config.
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ksError } from '../shared/errors';
import { LOG_LEVELS, type LogLevel } from './log';
import { NODE_DEFAULTS } from './sweep/defaults';

export interface TlsConfig {
  /** PEM files. All three are required for any TCP listener: TCP is mutual TLS only. */
  cert: string;
  key: string;
  clientCa: string;
}

export type Role = 'reader' | 'admin';

/** Client certificate subject attributes (`CN=…`, `O=…`, `OU=…`) that grant each role. */
export interface RoleMapping {
  admin: readonly string[];
  reader: readonly string[];
}

export type ListenAddress =
  | { kind: 'unix'; path: string; raw: string }
  | { kind: 'tcp'; host: string; port: number; raw: string };

export interface AgentConfig {
  nodeName: string;
  criEndpoint: string;
  containerdNamespace: string;
  containerdDirs: readonly string[];
  manifestsDir: string;
  netnsDirs: readonly string[];
  stateDir: string;
  kubeletUnit: string;
  listen: readonly ListenAddress[];
  tls?: TlsConfig;
  /** '' = no HTTP server. */
  httpListen: string;
  expectFreePorts: readonly number[];
  logLevel: LogLevel;
  roles: RoleMapping;
  /** Engine tuning; undefined = the sweep engine's default. */
  graceSeconds?: number;
  criTimeoutMs?: number;
  parallelism?: number;
  retries?: number;
  procRoot: string;
  /** Largest request the gRPC server accepts. */
  maxRequestBytes: number;
  /** How long SIGTERM waits for a running reset to reach a safe point. */
  shutdownTimeoutMs: number;
  /** The file the config was read from, if any. */
  configFile?: string;
}

export const DEFAULT_SOCKET = 'unix:///run/kubesweep/agent.sock';

export const DEFAULTS = Object.freeze({
  criEndpoint: NODE_DEFAULTS.criEndpoint,
  containerdNamespace: NODE_DEFAULTS.containerdNamespace,
  containerdDirs: [...NODE_DEFAULTS.containerdDirs],
  manifestsDir: NODE_DEFAULTS.manifestsDir,
  netnsDirs: [...NODE_DEFAULTS.netnsDirs],
  stateDir: NODE_DEFAULTS.stateDir,
  kubeletUnit: NODE_DEFAULTS.kubeletUnit,
  listen: [DEFAULT_SOCKET],
  httpListen: '127.0.0.1:9808',
  expectFreePorts: [...NODE_DEFAULTS.expectFreePorts],
  logLevel: 'info' as LogLevel,
  roles: { admin: ['CN=kubesweep-admin'], reader: ['CN=kubesweep-reader'] },
  procRoot: NODE_DEFAULTS.procRoot,
  maxRequestBytes: 64 * 1024,
  shutdownTimeoutMs: 60_000,
});

/** What the flags and the file may set, before defaults and validation. */
export interface RawConfig {
  nodeName?: unknown;
  criEndpoint?: unknown;
  containerdNamespace?: unknown;
  containerdDirs?: unknown;
  manifestsDir?: unknown;
  netnsDirs?: unknown;
  stateDir?: unknown;
  kubeletUnit?: unknown;
  listen?: unknown;
  tls?: unknown;
  httpListen?: unknown;
  expectFreePorts?: unknown;
  logLevel?: unknown;
  roles?: unknown;
  graceSeconds?: unknown;
  criTimeoutMs?: unknown;
  parallelism?: unknown;
  retries?: unknown;
  procRoot?: unknown;
  maxRequestBytes?: unknown;
  shutdownTimeoutMs?: unknown;
}

const FILE_KEYS: ReadonlySet<string> = new Set([
  'nodeName', 'criEndpoint', 'containerdNamespace', 'containerdDirs', 'manifestsDir', 'netnsDirs', 'stateDir',
  'kubeletUnit', 'listen', 'tls', 'httpListen', 'expectFreePorts', 'logLevel', 'roles', 'graceSeconds',
  'criTimeoutMs', 'parallelism', 'retries', 'procRoot', 'maxRequestBytes', 'shutdownTimeoutMs',
]);

export interface ParsedFlags {
  raw: RawConfig;
  configFile?: string;
  help: boolean;
  version: boolean;
  checkConfig: boolean;
  problems: string[];
}

export const USAGE = `Usage: kubesweep-agent [options]

  --config FILE                 YAML or JSON config file (flags override it)
  --node-name NAME              this node's name; destructive calls must confirm it (default: hostname)
  --cri-endpoint ENDPOINT       CRI socket (default ${DEFAULTS.criEndpoint})
  --containerd-namespace NS     containerd namespace of the CRI plugin (default ${DEFAULTS.containerdNamespace})
  --containerd-dir DIR          containerd root/state dir, repeatable (default ${DEFAULTS.containerdDirs.join(', ')})
  --manifests-dir DIR           static pod manifests (default ${DEFAULTS.manifestsDir})
  --netns-dir DIR               network namespace dir, repeatable (default ${DEFAULTS.netnsDirs.join(', ')})
  --state-dir DIR               kubesweep state: backups, journal, lock (default ${DEFAULTS.stateDir})
  --kubelet-unit UNIT           systemd unit stopped first; "" = skip (default ${DEFAULTS.kubeletUnit})
  --listen ADDR                 unix:///path or host:port (TCP is mutual TLS only), repeatable (default ${DEFAULT_SOCKET})
  --tls-cert FILE               server certificate (PEM), required for TCP listeners
  --tls-key FILE                server key (PEM), required for TCP listeners
  --tls-client-ca FILE          CA that signs client certificates, required for TCP listeners
  --http-listen HOST:PORT       health/ports/metrics HTTP server; "" = off (default ${DEFAULTS.httpListen})
  --expect-free-ports LIST      comma-separated ports that must be free after a reset, repeatable
  --log-level LEVEL             ${LOG_LEVELS.join('|')} (default info)
  --check-config                validate the configuration, print it as JSON and exit
  --version                     print the version and exit
  --help                        print this help and exit
`;

/** Parse command-line flags. Never throws: problems are returned for the one combined error. */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const problems: string[] = [];
  const out: ParsedFlags = { raw: {}, help: false, version: false, checkConfig: false, problems };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        'node-name': { type: 'string' },
        'cri-endpoint': { type: 'string' },
        'containerd-namespace': { type: 'string' },
        'containerd-dir': { type: 'string', multiple: true },
        'manifests-dir': { type: 'string' },
        'netns-dir': { type: 'string', multiple: true },
        'state-dir': { type: 'string' },
        'kubelet-unit': { type: 'string' },
        listen: { type: 'string', multiple: true },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-client-ca': { type: 'string' },
        'http-listen': { type: 'string' },
        'expect-free-ports': { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        'check-config': { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    problems.push(`flags: ${(err as Error).message}`);
    return out;
  }
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const list = (k: string): string[] | undefined => values[k] as string[] | undefined;
  const r = out.raw;
  if (str('node-name') !== undefined) r.nodeName = str('node-name');
  if (str('cri-endpoint') !== undefined) r.criEndpoint = str('cri-endpoint');
  if (str('containerd-namespace') !== undefined) r.containerdNamespace = str('containerd-namespace');
  if (list('containerd-dir')) r.containerdDirs = list('containerd-dir');
  if (str('manifests-dir') !== undefined) r.manifestsDir = str('manifests-dir');
  if (list('netns-dir')) r.netnsDirs = list('netns-dir');
  if (str('state-dir') !== undefined) r.stateDir = str('state-dir');
  if (str('kubelet-unit') !== undefined) r.kubeletUnit = str('kubelet-unit');
  if (list('listen')) r.listen = list('listen');
  const tls: Record<string, string> = {};
  if (str('tls-cert') !== undefined) tls.cert = str('tls-cert')!;
  if (str('tls-key') !== undefined) tls.key = str('tls-key')!;
  if (str('tls-client-ca') !== undefined) tls.clientCa = str('tls-client-ca')!;
  if (Object.keys(tls).length) r.tls = tls;
  if (str('http-listen') !== undefined) r.httpListen = str('http-listen');
  const ports = list('expect-free-ports');
  if (ports) {
    const parsed: unknown[] = [];
    for (const chunk of ports) {
      for (const p of chunk.split(',').map((s) => s.trim()).filter(Boolean)) parsed.push(/^\d+$/.test(p) ? Number(p) : p);
    }
    r.expectFreePorts = parsed;
  }
  if (str('log-level') !== undefined) r.logLevel = str('log-level');
  out.configFile = str('config');
  out.help = values.help === true;
  out.version = values.version === true;
  out.checkConfig = values['check-config'] === true;
  return out;
}

/** Read a YAML or JSON config file into raw values (YAML is a superset of JSON). */
export function readConfigFile(file: string, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): { raw: RawConfig; problems: string[] } {
  const problems: string[] = [];
  let text: string;
  try {
    text = readFile(file);
  } catch (err) {
    return { raw: {}, problems: [`config file ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
  }
  let doc: unknown;
  try {
    // Loaded only when a file is given: the parser costs ~2 MB of the agent's idle RSS.
    const { parse } = require('yaml') as typeof import('yaml');
    doc = parse(text, { prettyErrors: false, maxAliasCount: 100 });
  } catch (err) {
    return { raw: {}, problems: [`config file ${file}: not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`] };
  }
  if (doc === null || doc === undefined) return { raw: {}, problems };
  if (typeof doc !== 'object' || Array.isArray(doc)) return { raw: {}, problems: [`config file ${file}: must be a mapping of option names to values`] };
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (!FILE_KEYS.has(k)) problems.push(`config file ${file}: unknown option "${k}"`);
    else raw[k] = v;
  }
  return { raw: raw as RawConfig, problems };
}

/** flags > file > defaults, validated; throws one KS_CONFIG_INVALID listing every problem. */
export function loadConfig(argv: readonly string[], opts: { readFile?: (p: string) => string; isFile?: (p: string) => boolean } = {}): {
  config: AgentConfig;
  flags: ParsedFlags;
} {
  const flags = parseFlags(argv);
  const problems = [...flags.problems];
  let fileRaw: RawConfig = {};
  if (flags.configFile !== undefined) {
    const f = readConfigFile(flags.configFile, opts.readFile);
    fileRaw = f.raw;
    problems.push(...f.problems);
  }
  const merged = mergeRaw(fileRaw, flags.raw);
  const { config, problems: vp } = resolveConfig(merged, { isFile: opts.isFile, configFile: flags.configFile });
  problems.push(...vp);
  if (problems.length) {
    throw ksError('KS_CONFIG_INVALID', `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`, {
      problems,
    });
  }
  return { config: config!, flags };
}

/** Flags win over file values; a TLS flag overrides only its own file field. */
export function mergeRaw(file: RawConfig, flags: RawConfig): RawConfig {
  const out: RawConfig = { ...file };
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    if (k === 'tls' && isPlainObject(file.tls) && isPlainObject(v)) out.tls = { ...file.tls, ...v };
    else (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

const NODE_NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const ROLE_ENTRY_RE = /^(CN|O|OU)=[^\x00-\x1f]{1,128}$/;
const NAMESPACE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,75}$/;
const UNIT_RE = /^[A-Za-z0-9:_.@-]{1,200}$/;
const MAX_UNIX_PATH = 107;

/** Apply defaults and validate. Returns the frozen config only when there are no problems. */
export function resolveConfig(raw: RawConfig, opts: { isFile?: (p: string) => boolean; configFile?: string } = {}): {
  config?: AgentConfig;
  problems: string[];
} {
  const problems: string[] = [];
  const isFile = opts.isFile ?? defaultIsFile;

  const str = (name: string, v: unknown, def: string): string => {
    if (v === undefined) return def;
    if (typeof v !== 'string') {
      problems.push(`${name}: must be a string`);
      return def;
    }
    if (v.includes('\0')) {
      problems.push(`${name}: contains a NUL byte`);
      return def;
    }
    return v;
  };
  const absDir = (name: string, v: unknown, def: string): string => {
    const p = str(name, v, def);
    checkAbsPath(name, p, problems);
    return p;
  };
  const dirList = (name: string, v: unknown, def: readonly string[], allowEmpty: boolean): string[] => {
    if (v === undefined) return [...def];
    if (!Array.isArray(v)) {
      problems.push(`${name}: must be a list of absolute paths`);
      return [...def];
    }
    if (!allowEmpty && v.length === 0) problems.push(`${name}: must not be empty`);
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
  };
  const optInt = (name: string, v: unknown, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${name}: must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return v;
  };

  const nodeName = str('nodeName', raw.nodeName, hostname().toLowerCase());
  if (!NODE_NAME_RE.test(nodeName)) problems.push(`nodeName: "${truncate(nodeName)}" is not a valid node name (lowercase RFC 1123 subdomain, at most 253 characters)`);

  const criEndpoint = str('criEndpoint', raw.criEndpoint, DEFAULTS.criEndpoint);
  const criSocket = unixPathOf(criEndpoint);
  if (criSocket === undefined) problems.push(`criEndpoint: "${truncate(criEndpoint)}" must be unix:///absolute/path`);
  else checkAbsPath('criEndpoint', criSocket, problems);

  const containerdNamespace = str('containerdNamespace', raw.containerdNamespace, DEFAULTS.containerdNamespace);
  if (!NAMESPACE_RE.test(containerdNamespace)) problems.push(`containerdNamespace: "${truncate(containerdNamespace)}" is not a valid containerd namespace`);

  const containerdDirs = dirList('containerdDirs', raw.containerdDirs, DEFAULTS.containerdDirs, true);
  const manifestsDir = absDir('manifestsDir', raw.manifestsDir, DEFAULTS.manifestsDir);
  const netnsDirs = dirList('netnsDirs', raw.netnsDirs, DEFAULTS.netnsDirs, false);
  const stateDir = absDir('stateDir', raw.stateDir, DEFAULTS.stateDir);
  if (isAbsNormal(stateDir) && isAbsNormal(manifestsDir) && (isInside(stateDir, manifestsDir) || isInside(manifestsDir, stateDir))) {
    // The kubelet reads every file in the manifests dir: backups must never land there.
    problems.push(`stateDir (${stateDir}) and manifestsDir (${manifestsDir}) must not contain one another`);
  }
  for (const d of netnsDirs) {
    if (isAbsNormal(d) && isAbsNormal(stateDir) && isInside(stateDir, d)) problems.push(`stateDir (${stateDir}) must not lie inside netns dir ${d}`);
  }

  const kubeletUnit = str('kubeletUnit', raw.kubeletUnit, DEFAULTS.kubeletUnit);
  if (kubeletUnit !== '' && !UNIT_RE.test(kubeletUnit)) problems.push(`kubeletUnit: "${truncate(kubeletUnit)}" is not a valid systemd unit name`);

  const listen: ListenAddress[] = [];
  let listenRaw: unknown = raw.listen ?? DEFAULTS.listen;
  if (typeof listenRaw === 'string') listenRaw = [listenRaw];
  if (!Array.isArray(listenRaw)) problems.push('listen: must be a list of unix:///path or host:port');
  else {
    if (listenRaw.length === 0) problems.push('listen: at least one address is needed');
    if (listenRaw.length > 8) problems.push('listen: at most 8 addresses');
    listenRaw.forEach((a, i) => {
      const parsed = typeof a === 'string' ? parseListen(a) : undefined;
      if (!parsed) problems.push(`listen[${i}]: "${truncate(String(a))}" must be unix:///absolute/path (at most ${MAX_UNIX_PATH} bytes) or host:port with port 1-65535`);
      else listen.push(parsed);
    });
    const seen = new Set<string>();
    for (const l of listen) {
      if (seen.has(l.raw)) problems.push(`listen: "${l.raw}" given twice`);
      seen.add(l.raw);
    }
  }

  let tls: TlsConfig | undefined;
  if (raw.tls !== undefined) {
    if (!isPlainObject(raw.tls)) problems.push('tls: must be a mapping with cert, key and clientCa');
    else {
      const t = raw.tls;
      for (const k of Object.keys(t)) if (!['cert', 'key', 'clientCa'].includes(k)) problems.push(`tls: unknown option "${k}"`);
      const given = (['cert', 'key', 'clientCa'] as const).filter((k) => t[k] !== undefined && t[k] !== '');
      if (given.length > 0) {
        if (given.length < 3) {
          const missing = (['cert', 'key', 'clientCa'] as const).filter((k) => !given.includes(k));
          problems.push(`tls: ${missing.map(tlsFlagName).join(', ')} missing: mutual TLS needs the server cert, key and client CA`);
        }
        const files: Record<string, string> = {};
        for (const k of given) {
          const v = t[k];
          if (typeof v !== 'string') problems.push(`tls.${k}: must be a path`);
          else if (!isFile(v)) problems.push(`tls.${k}: ${v} is not a readable file`);
          else files[k] = v;
        }
        if (given.length === 3 && Object.keys(files).length === 3) tls = { cert: files.cert, key: files.key, clientCa: files.clientCa };
      }
    }
  }
  const tcp = listen.filter((l) => l.kind === 'tcp');
  if (tcp.length > 0 && !tls && !problems.some((p) => p.startsWith('tls'))) {
    problems.push(`listen: TCP listener ${tcp.map((l) => l.raw).join(', ')} refused: TCP is mutual TLS only; give --tls-cert, --tls-key and --tls-client-ca`);
  }

  const httpListen = str('httpListen', raw.httpListen, DEFAULTS.httpListen);
  if (httpListen !== '') {
    const h = parseListen(httpListen);
    if (!h || h.kind !== 'tcp') problems.push(`httpListen: "${truncate(httpListen)}" must be host:port (port 1-65535) or "" for off`);
  }

  let expectFreePorts: number[] = [...DEFAULTS.expectFreePorts];
  if (raw.expectFreePorts !== undefined) {
    const v = raw.expectFreePorts;
    if (!Array.isArray(v)) problems.push('expectFreePorts: must be a list of ports');
    else {
      if (v.length > 1024) problems.push('expectFreePorts: at most 1024 ports');
      const bad = v.filter((p) => !isPort(p));
      if (bad.length) problems.push(`expectFreePorts: ${bad.slice(0, 5).map((b) => JSON.stringify(b)).join(', ')} not a port (1-65535)`);
      expectFreePorts = [...new Set(v.filter(isPort) as number[])];
    }
  }

  const logLevel = str('logLevel', raw.logLevel, DEFAULTS.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`logLevel: "${truncate(logLevel)}" must be one of ${LOG_LEVELS.join(', ')}`);

  let roles: RoleMapping = { admin: [...DEFAULTS.roles.admin], reader: [...DEFAULTS.roles.reader] };
  if (raw.roles !== undefined) {
    if (!isPlainObject(raw.roles)) problems.push('roles: must be a mapping { admin: [...], reader: [...] }');
    else {
      const r = raw.roles;
      for (const k of Object.keys(r)) if (k !== 'admin' && k !== 'reader') problems.push(`roles: unknown role "${k}" (admin, reader)`);
      const entries = (k: 'admin' | 'reader'): string[] => {
        const v = r[k];
        if (v === undefined) return [];
        if (!Array.isArray(v)) {
          problems.push(`roles.${k}: must be a list like ["CN=kubesweep-admin", "O=ops"]`);
          return [];
        }
        const ok: string[] = [];
        v.forEach((e, i) => {
          if (typeof e !== 'string' || !ROLE_ENTRY_RE.test(e)) problems.push(`roles.${k}[${i}]: ${JSON.stringify(e)} must be CN=…, O=… or OU=…`);
          else ok.push(e);
        });
        return ok;
      };
      roles = { admin: entries('admin'), reader: entries('reader') };
    }
  }

  const config: AgentConfig = {
    nodeName,
    criEndpoint,
    containerdNamespace,
    containerdDirs,
    manifestsDir,
    netnsDirs,
    stateDir,
    kubeletUnit,
    listen,
    tls,
    httpListen,
    expectFreePorts,
    logLevel,
    roles,
    graceSeconds: optInt('graceSeconds', raw.graceSeconds, 0, 3600),
    criTimeoutMs: optInt('criTimeoutMs', raw.criTimeoutMs, 100, 600_000),
    parallelism: optInt('parallelism', raw.parallelism, 1, 64),
    retries: optInt('retries', raw.retries, 0, 10),
    procRoot: absDir('procRoot', raw.procRoot, DEFAULTS.procRoot),
    maxRequestBytes: optInt('maxRequestBytes', raw.maxRequestBytes, 1024, 4 * 1024 * 1024) ?? DEFAULTS.maxRequestBytes,
    shutdownTimeoutMs: optInt('shutdownTimeoutMs', raw.shutdownTimeoutMs, 0, 600_000) ?? DEFAULTS.shutdownTimeoutMs,
    configFile: opts.configFile,
  };
  for (const k of Object.keys(config) as (keyof AgentConfig)[]) if (config[k] === undefined) delete config[k];
  if (problems.length) return { problems };
  return { config: deepFreeze(config), problems };
}

/** `unix:///p` → { unix, p }; `host:port` / `[v6]:port` → { tcp }. Undefined when malformed. */
export function parseListen(addr: string): ListenAddress | undefined {
  if (addr.length === 0 || addr.length > 300 || addr.includes('\0')) return undefined;
  if (addr.startsWith('unix:')) {
    const p = unixPathOf(addr);
    if (p === undefined || !isAbsNormal(p) || p === '/' || Buffer.byteLength(p) > MAX_UNIX_PATH) return undefined;
    return { kind: 'unix', path: p, raw: addr };
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(addr);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { kind: 'tcp', host: m[1] ?? m[2], port, raw: addr };
}

/** The socket path of `unix:///p` or `unix:/p`. */
export function unixPathOf(endpoint: string): string | undefined {
  if (endpoint.startsWith('unix://')) return endpoint.slice('unix://'.length) || undefined;
  if (endpoint.startsWith('unix:')) return endpoint.slice('unix:'.length) || undefined;
  return undefined;
}

function tlsFlagName(k: 'cert' | 'key' | 'clientCa'): string {
  return k === 'clientCa' ? '--tls-client-ca' : `--tls-${k}`;
}

function checkAbsPath(name: string, p: string, problems: string[]): void {
  if (!isAbsNormal(p)) problems.push(`${name}: "${truncate(p)}" must be an absolute, normalized path`);
  else if (p === '/') problems.push(`${name}: must not be /`);
}

function isAbsNormal(p: string): boolean {
  return p.length > 0 && p.length <= 4096 && path.isAbsolute(p) && path.posix.normalize(p) === p && (p === '/' || !p.endsWith('/')) && !p.includes('\0');
}

/** True when `inner` is `outer` or lies below it. */
export function isInside(inner: string, outer: string): boolean {
  const rel = path.posix.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
}

function isPort(p: unknown): p is number {
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function defaultIsFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function truncate(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
