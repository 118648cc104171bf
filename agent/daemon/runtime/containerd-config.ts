// containerd's config file, read for the dirs it sets: what an agent that never saw the CRI
// answer (and has no learned state) falls back to. Config versions 1 (`plugins.cri`), 2
// (`plugins."io.containerd.grpc.v1.cri"`, containerd 1.x), 3 (containerd 2.0–2.2: the CRI's
// runtime part is `plugins.'io.containerd.cri.v1.runtime'`) and 4 (2.3: the servers moved under
// `plugins.'io.containerd.server.v1.*'`). `imports` are read in order after the main file and
// override it, table by table, as containerd merges them. Parsed with smol-toml (TOML 1.0).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CRI_PLUGIN_DIR, DEFAULT_CNI_CACHE_DIR, DEFAULT_NETNS_DIR, ipamDirsOfConf, type RuntimeDirs } from './dirs';

const DEFAULTS = {
  root: '/var/lib/containerd',
  state: '/run/containerd',
  address: '/run/containerd/containerd.sock',
  confDir: '/etc/cni/net.d',
  binDir: '/opt/cni/bin',
};
/** At most this many imported files: a glob matching thousands is not a containerd config. */
const MAX_IMPORTS = 64;
const MAX_FILE_BYTES = 1024 * 1024;

export interface ContainerdConfigRead {
  dirs: RuntimeDirs;
  /** containerd's gRPC socket: the CRI endpoint's path. */
  address: string;
  version: number;
  /** The files read, main file first. */
  files: string[];
}

type Table = Record<string, unknown>;
export interface ReadFs {
  readFile(p: string): string;
  readdir(p: string): string[];
}
const realFs: ReadFs = { readFile: (p) => readFileSync(p, 'utf8'), readdir: (p) => readdirSync(p) };

/** Read and merge the config file and its imports; throws with the file named when one is unreadable or not TOML. */
export function readContainerdConfig(file: string, fs: ReadFs = realFs): ContainerdConfigRead {
  const main = parseFile(file, fs);
  const files = [file];
  let merged: Table = main;
  const imports = Array.isArray(main['imports']) ? main['imports'].filter((x): x is string => typeof x === 'string') : [];
  for (const imp of imports) {
    for (const f of expandImport(path.resolve(path.dirname(file), imp), fs)) {
      if (files.length > MAX_IMPORTS) throw new Error(`${file}: more than ${MAX_IMPORTS} imported files`);
      merged = deepMerge(merged, parseFile(f, fs));
      files.push(f);
    }
  }
  const version = typeof main['version'] === 'number' ? main['version'] : 1;
  const { dirs, address } = dirsFromConfig(merged, version, fs);
  return { dirs, address, version, files };
}

/** The dirs a merged config sets, containerd's defaults where it is silent. */
export function dirsFromConfig(cfg: Table, version: number, fs: ReadFs = realFs): { dirs: RuntimeDirs; address: string } {
  const plugins = table(cfg['plugins']);
  const root = str(cfg['root']) ?? DEFAULTS.root;
  const state = str(cfg['state']) ?? DEFAULTS.state;
  // Where the netns and CNI settings live, by version.
  const cri =
    version >= 3 ? table(plugins['io.containerd.cri.v1.runtime']) : version === 2 ? table(plugins[CRI_PLUGIN_DIR]) : table(plugins['cri']);
  const cni = table(cri['cni']);
  const address =
    (version >= 4 ? str(table(plugins['io.containerd.server.v1.grpc'])['address']) : str(table(cfg['grpc'])['address'])) ??
    DEFAULTS.address;
  const confDir = str(cni['conf_dir']) ?? DEFAULTS.confDir;
  const binDirs = Array.isArray(cni['bin_dirs'])
    ? cni['bin_dirs'].filter((x): x is string => typeof x === 'string')
    : [str(cni['bin_dir']) ?? DEFAULTS.binDir];
  const maxConfNum = typeof cni['max_conf_num'] === 'number' ? cni['max_conf_num'] : 1;
  const netns = cri['netns_mounts_under_state_dir'] === true ? path.join(state, CRI_PLUGIN_DIR, 'netns') : DEFAULT_NETNS_DIR;
  return {
    address,
    dirs: {
      containerdRoot: root,
      containerdState: state,
      netnsDirs: [netns],
      cniConfDir: confDir,
      cniBinDirs: binDirs,
      cniIpamDirs: ipamDirsOfConfDir(confDir, maxConfNum, fs),
      cniCacheDir: DEFAULT_CNI_CACHE_DIR,
    },
  };
}

/**
 * The host-local data dirs of the networks containerd would load from `confDir`: libcni's order
 * (file names sorted; .conf, .conflist, .json), the first `maxConfNum` (0 = all) that parse.
 */
export function ipamDirsOfConfDir(confDir: string, maxConfNum: number, fs: ReadFs = realFs): string[] {
  let names: string[];
  try {
    names = fs
      .readdir(confDir)
      .filter((n) => /\.(conf|conflist|json)$/.test(n))
      .sort();
  } catch {
    return [];
  }
  const out = new Set<string>();
  let loaded = 0;
  for (const n of names) {
    if (maxConfNum > 0 && loaded >= maxConfNum) break;
    let doc: unknown;
    try {
      doc = JSON.parse(fs.readFile(path.join(confDir, n)));
    } catch {
      continue;
    }
    loaded++;
    for (const d of ipamDirsOfConf(doc)) out.add(d);
  }
  return [...out];
}

function parseFile(file: string, fs: ReadFs): Table {
  let text: string;
  try {
    text = fs.readFile(file);
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (text.length > MAX_FILE_BYTES) throw new Error(`${file}: larger than ${MAX_FILE_BYTES} bytes`);
  try {
    // Loaded only when the file is read (an agent that has learned from the CRI never does).
    const { parse } = require('smol-toml') as { parse: (toml: string) => Table };
    return parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** An import path: a file, or a glob in its last component (containerd uses filepath.Glob: sorted). */
function expandImport(p: string, fs: ReadFs): string[] {
  const base = path.basename(p);
  if (!/[*?[]/.test(base)) return [p];
  const re = new RegExp(
    `^${base
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  let names: string[];
  try {
    names = fs.readdir(path.dirname(p));
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => path.join(path.dirname(p), n));
}

function deepMerge(a: Table, b: Table): Table {
  const out: Table = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isTable(prev) && isTable(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
function table(v: unknown): Table {
  return isTable(v) ? v : {};
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
