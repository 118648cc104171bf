// The agent's configuration: flags, then a YAML/JSON file (--config), then defaults. Every
// option is one entry of the table in options.ts; the flag parser, the file's keys, --help and
// validation below are derived from it. Validated once with every problem collected into one
// KS_CONFIG_INVALID error, then deep-frozen, so no later code can be surprised by a half-valid or
// mutated config.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ksError } from '../shared/errors';
import { COMMAND_FLAGS, isAbsNormal, isPlainObject, OPTIONS, type OptionDef, type OptionName, type OptionValues } from './options';

export { DEFAULT_SOCKET, parseListen, type ListenAddress, type Role, type RoleMapping } from './options';

export interface TlsConfig {
  /** PEM files. All three are required for any TCP listener: TCP is mutual TLS only. */
  cert: string;
  key: string;
  clientCa: string;
  /** PEM CRL of the client CA (optional). */
  crl?: string;
}

/** The three files mutual TLS needs (all or none); the CRL is optional on top. */
const TLS_OPTIONS = { cert: 'tlsCert', key: 'tlsKey', clientCa: 'tlsClientCa' } as const satisfies Record<
  Exclude<keyof TlsConfig, 'crl'>,
  OptionName
>;

export type AgentConfig = Omit<OptionValues, (typeof TLS_OPTIONS)[keyof typeof TLS_OPTIONS] | 'tlsCrl'> & {
  tls?: TlsConfig;
  /** The file the config was read from, if any. */
  configFile?: string;
};

const ENTRIES = Object.entries(OPTIONS) as [OptionName, OptionDef<unknown>][];

/** The file's mappings that hold options (`tls` → cert, key, clientCa). */
const GROUPS: ReadonlyMap<string, readonly string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const [, d] of ENTRIES) {
    const [group, member] = d.file.split('.');
    if (member !== undefined) m.set(group, [...(m.get(group) ?? []), member]);
  }
  return m;
})();

const FILE_KEYS: ReadonlySet<string> = new Set(ENTRIES.map(([, d]) => d.file.split('.')[0]));

export const DEFAULTS = Object.freeze(Object.fromEntries(ENTRIES.map(([n, d]) => [n, d.default]))) as Readonly<OptionValues>;

/** What the flags and the file may set, shaped like the file, before defaults and validation. */
export type RawConfig = Record<string, unknown>;

export interface ParsedFlags {
  raw: RawConfig;
  configFile?: string;
  help: boolean;
  version: boolean;
  checkConfig: boolean;
  printConfig: boolean;
  problems: string[];
}

export const USAGE = renderUsage();

function renderUsage(): string {
  const plain = (s: string): string => s.replace(/`/g, '');
  const rows: [string, string][] = [[`--config FILE`, COMMAND_FLAGS[0].help]];
  for (const [, d] of ENTRIES) {
    if (d.flag === undefined) continue;
    const def = d.defaultText !== undefined ? plain(d.defaultText) : d.default === undefined ? undefined : usageValue(d.default);
    rows.push([
      `--${d.flag} ${d.arg ?? 'VALUE'}`,
      `${plain(d.help)}${d.repeatable ? ', repeatable' : ''}${def !== undefined ? ` (default ${def})` : ''}`,
    ]);
  }
  for (const c of COMMAND_FLAGS.slice(1)) rows.push([`--${c.flag}`, c.help]);
  const fileOnly = ENTRIES.filter(([, d]) => d.flag === undefined).map(([, d]) => d.file);
  return [
    'Usage: kubesweep-agent [options]',
    '',
    ...rows.map(([l, r]) => `  ${l.padEnd(29)} ${r}`),
    '',
    `Set in the config file only: ${fileOnly.join(', ')} (docs/configuration.md).`,
    '',
  ].join('\n');
}

function usageValue(v: unknown): string {
  if (v === '') return '""';
  if (Array.isArray(v)) return v.map(usageValue).join(', ');
  return String(v);
}

/** Parse command-line flags. Never throws: problems are returned for the one combined error. */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const problems: string[] = [];
  const out: ParsedFlags = { raw: {}, help: false, version: false, checkConfig: false, printConfig: false, problems };
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const c of COMMAND_FLAGS) options[c.flag] = { type: 'arg' in c ? 'string' : 'boolean' };
  for (const [, d] of ENTRIES) if (d.flag !== undefined) options[d.flag] = { type: 'string', multiple: d.repeatable === true };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values;
  } catch (err) {
    problems.push(`flags: ${(err as Error).message}`);
    return out;
  }
  for (const [, d] of ENTRIES) {
    const v = d.flag === undefined ? undefined : (values[d.flag] as string | string[] | undefined);
    if (v === undefined) continue;
    setFileKey(out.raw, d.file, d.fromFlag ? d.fromFlag(v) : v);
  }
  out.configFile = values.config as string | undefined;
  out.help = values.help === true;
  out.version = values.version === true;
  out.checkConfig = values['check-config'] === true;
  out.printConfig = values['print-config'] === true;
  return out;
}

function setFileKey(raw: RawConfig, key: string, v: unknown): void {
  const [group, member] = key.split('.');
  if (member === undefined) raw[key] = v;
  else {
    const prev = raw[group];
    raw[group] = { ...(isPlainObject(prev) ? prev : {}), [member]: v };
  }
}

/** Read a YAML or JSON config file into raw values (YAML is a superset of JSON). */
export function readConfigFile(
  file: string,
  readFile: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): { raw: RawConfig; problems: string[] } {
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
  if (!isPlainObject(doc)) return { raw: {}, problems: [`config file ${file}: must be a mapping of option names to values`] };
  const raw: RawConfig = {};
  for (const [k, v] of Object.entries(doc)) {
    if (!FILE_KEYS.has(k)) problems.push(`config file ${file}: unknown option "${k}"`);
    else raw[k] = v;
  }
  return { raw, problems };
}

/** flags > file > defaults, validated; throws one KS_CONFIG_INVALID listing every problem. */
export function loadConfig(
  argv: readonly string[],
  opts: { readFile?: (p: string) => string; isFile?: (p: string) => boolean } = {},
): {
  config: AgentConfig;
  flags: ParsedFlags;
  /** Where each option's value came from: a flag, the config file, or the default. */
  origins: Record<OptionName, 'flag' | 'config-file' | 'default'>;
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
  if (problems.length || !config) {
    throw ksError(
      'KS_CONFIG_INVALID',
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
      {
        problems,
      },
    );
  }
  return { config, flags, origins: optionOrigins(fileRaw, flags.raw) };
}

/** Which options a flag or the file gave (runtime learning fills only the others). */
export function optionOrigins(file: RawConfig, flags: RawConfig): Record<OptionName, 'flag' | 'config-file' | 'default'> {
  const has = (raw: RawConfig, key: string): boolean => {
    const [group, member] = key.split('.');
    const v = raw[group];
    return member === undefined ? v !== undefined : isPlainObject(v) && v[member] !== undefined;
  };
  return Object.fromEntries(
    ENTRIES.map(([n, d]) => [n, has(flags, d.file) ? 'flag' : has(file, d.file) ? 'config-file' : 'default']),
  ) as Record<OptionName, 'flag' | 'config-file' | 'default'>;
}

/** Flags win over file values; a flag inside a mapping (--tls-key) overrides only its own field. */
export function mergeRaw(file: RawConfig, flags: RawConfig): RawConfig {
  const out: RawConfig = { ...file };
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    if (GROUPS.has(k) && isPlainObject(file[k]) && isPlainObject(v)) out[k] = { ...file[k], ...v };
    else out[k] = v;
  }
  return out;
}

/** Apply defaults and validate. Returns the frozen config only when there are no problems. */
export function resolveConfig(
  raw: RawConfig,
  opts: { isFile?: (p: string) => boolean; configFile?: string } = {},
): {
  config?: AgentConfig;
  problems: string[];
} {
  const problems: string[] = [];
  const env = { isFile: opts.isFile ?? defaultIsFile };

  // Flatten the file's mappings (tls: {cert}) into the options' keys (tls.cert).
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const members = GROUPS.get(k);
    if (!members) {
      if (FILE_KEYS.has(k)) given[k] = v;
      else problems.push(`unknown option "${k}"`);
    } else if (!isPlainObject(v)) {
      problems.push(`${k}: must be a mapping with ${members.slice(0, -1).join(', ')} and ${members.at(-1)}`);
    } else {
      for (const [m, mv] of Object.entries(v)) {
        if (members.includes(m)) given[`${k}.${m}`] = mv;
        else problems.push(`${k}: unknown option "${m}"`);
      }
    }
  }

  const values = {} as Record<OptionName, unknown>;
  for (const [name, d] of ENTRIES) {
    const v = given[d.file];
    values[name] = structuredClone((v === undefined ? undefined : d.check(v, d.file, problems, env)) ?? d.default);
  }
  const tls = checkAcross(values as OptionValues, given, problems);
  const tlsNames: readonly string[] = [...Object.values(TLS_OPTIONS), 'tlsCrl'];
  const config = Object.fromEntries(Object.entries(values).filter(([k]) => !tlsNames.includes(k))) as AgentConfig;
  if (tls) config.tls = tls;
  if (opts.configFile !== undefined) config.configFile = opts.configFile;
  if (problems.length) return { problems };
  return { config: deepFreeze(config), problems };
}

/** The rules between options. Returns the TLS files when all three are given and valid. */
function checkAcross(v: OptionValues, given: Record<string, unknown>, problems: string[]): TlsConfig | undefined {
  if (
    isAbsNormal(v.stateDir) &&
    isAbsNormal(v.manifestsDir) &&
    (isInside(v.stateDir, v.manifestsDir) || isInside(v.manifestsDir, v.stateDir))
  ) {
    // The kubelet reads every file in the manifests dir: backups must never land there.
    problems.push(`stateDir (${v.stateDir}) and manifestsDir (${v.manifestsDir}) must not contain one another`);
  }
  for (const d of v.netnsDirs) {
    if (isAbsNormal(d) && isAbsNormal(v.stateDir) && isInside(v.stateDir, d))
      problems.push(`stateDir (${v.stateDir}) must not lie inside netns dir ${d}`);
  }

  const parts = Object.entries(TLS_OPTIONS) as [keyof TlsConfig, OptionName][];
  const named = parts.filter(([, o]) => given[OPTIONS[o].file] !== undefined && given[OPTIONS[o].file] !== '');
  if (named.length > 0 && named.length < parts.length) {
    const missing = parts.filter((p) => !named.includes(p)).map(([, o]) => `--${OPTIONS[o].flag}`);
    problems.push(`tls: ${missing.join(', ')} missing: mutual TLS needs the server cert, key and client CA`);
  }
  const tls: TlsConfig | undefined =
    v.tlsCert !== undefined && v.tlsKey !== undefined && v.tlsClientCa !== undefined
      ? { cert: v.tlsCert, key: v.tlsKey, clientCa: v.tlsClientCa, ...(v.tlsCrl !== undefined ? { crl: v.tlsCrl } : {}) }
      : undefined;
  if (v.tlsCrl !== undefined && named.length === 0)
    problems.push('tls: --tls-crl without --tls-cert, --tls-key and --tls-client-ca: a CRL only applies to the mutual-TLS listener');
  const tcp = v.listen.filter((l) => l.kind === 'tcp');
  if (tcp.length > 0 && !tls && !problems.some((p) => p.startsWith('tls'))) {
    problems.push(
      `listen: TCP listener ${tcp.map((l) => l.raw).join(', ')} refused: TCP is mutual TLS only; give --tls-cert, --tls-key and --tls-client-ca`,
    );
  }
  return tls;
}

/** True when `inner` is `outer` or lies below it, by the path text (host/paths.ts resolves links). */
function isInside(inner: string, outer: string): boolean {
  const rel = path.posix.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
}

function defaultIsFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
