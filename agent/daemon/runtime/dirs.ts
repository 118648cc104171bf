// The node's dirs as containerd knows them, and where each value the agent uses came from.
// Pure types and the two derivations from what containerd says: its CRI `Status` (verbose)
// answer and its config file (containerd-config.ts) both end as RuntimeDirs.
import path from 'node:path';
import { OPTIONS } from '../options';

// The kinds' own defaults, through the option table (host modules belong to their kinds).
export const DEFAULT_CNI_CACHE_DIR: string = OPTIONS.cniCacheDir.default;
const DEFAULT_IPAM_DIRS: readonly string[] = OPTIONS.cniIpamDirs.default;

/** containerd's netns dir when `netns_mounts_under_state_dir` is off (pkg/netns: baseNetNSDir). */
export const DEFAULT_NETNS_DIR = '/var/run/netns';
/** The CRI plugin's id: its state and root dirs are `<containerd dir>/<id>` on 1.6 through 2.3. */
export const CRI_PLUGIN_DIR = 'io.containerd.grpc.v1.cri';

/** What containerd says about the dirs that hold a node's pods. */
export interface RuntimeDirs {
  /** containerd's `root` (persistent: snapshots, content, the CRI's root). */
  containerdRoot: string;
  /** containerd's `state` (task bundles `io.containerd.runtime.v2.task/<ns>/<id>`, the CRI's state). */
  containerdState: string;
  /** Where pod netns files are mounted. */
  netnsDirs: string[];
  cniConfDir: string;
  cniBinDirs: string[];
  /** host-local IPAM data dirs of the networks containerd loaded (its `dataDir`, or the plugin's default). */
  cniIpamDirs: string[];
  /** libcni's result cache: containerd never moves it (go-cni passes no cache dir), so libcni's default. */
  cniCacheDir: string;
}

/** The dir options a runtime can tell, in the order `info` shows them. */
export const LEARNABLE = ['containerdDirs', 'netnsDirs', 'cniConfDir', 'cniIpamDirs', 'cniCacheDir'] as const;
export type LearnableOption = (typeof LEARNABLE)[number];

/** The option values the runtime's dirs stand for. */
export function asOptionValues(d: RuntimeDirs): Record<LearnableOption, string | readonly string[]> {
  return {
    containerdDirs: [d.containerdRoot, d.containerdState],
    netnsDirs: d.netnsDirs,
    cniConfDir: d.cniConfDir,
    cniIpamDirs: d.cniIpamDirs,
    cniCacheDir: d.cniCacheDir,
  };
}

/** Where one value the agent uses came from. */
export type DirSource = 'flag' | 'config-file' | 'runtime' | 'learned' | 'containerd-config' | 'default';

interface CriConfigJson {
  containerdRootDir?: unknown;
  stateDir?: unknown;
  rootDir?: unknown;
  netnsMountsUnderStateDir?: unknown;
  cni?: { confDir?: unknown; binDir?: unknown; binDirs?: unknown };
}

/**
 * Derive the dirs from a verbose CRI Status `info` map: `info.config` (the CRI plugin's config,
 * JSON) and `info.cniconfig` (go-cni's loaded networks). Undefined when `info.config` is missing
 * or lacks the root and state dirs (not containerd, or not verbose). The values are returned as
 * containerd gives them: sanity.ts judges them.
 */
export function dirsFromStatus(info: Readonly<Record<string, string>>): RuntimeDirs | undefined {
  const cfg = parseJson(info['config']) as CriConfigJson | undefined;
  if (!cfg || typeof cfg.containerdRootDir !== 'string' || typeof cfg.stateDir !== 'string') return undefined;
  // The CRI's stateDir is `<containerd state>/io.containerd.grpc.v1.cri`.
  const criState = cfg.stateDir;
  const containerdState = path.basename(criState) === CRI_PLUGIN_DIR ? path.dirname(criState) : criState;
  const cni = cfg.cni ?? {};
  const binDirs = Array.isArray(cni.binDirs) ? cni.binDirs.filter(isString) : typeof cni.binDir === 'string' ? [cni.binDir] : [];
  return {
    containerdRoot: cfg.containerdRootDir,
    containerdState,
    netnsDirs: [cfg.netnsMountsUnderStateDir === true ? path.join(criState, 'netns') : DEFAULT_NETNS_DIR],
    cniConfDir: typeof cni.confDir === 'string' ? cni.confDir : '',
    cniBinDirs: binDirs,
    cniIpamDirs: ipamDirsOf(parseJson(info['cniconfig'])),
    cniCacheDir: DEFAULT_CNI_CACHE_DIR,
  };
}

/**
 * host-local data dirs of go-cni's loaded networks: each plugin's `Source` is its own JSON
 * config, whose `ipam` may name a `dataDir` (host-local's default otherwise). Networks whose
 * IPAM is not host-local hold no leases on disk here.
 */
export function ipamDirsOf(cniconfig: unknown): string[] {
  const out = new Set<string>();
  const networks = (cniconfig as { Networks?: unknown } | undefined)?.Networks;
  for (const n of Array.isArray(networks) ? networks : []) {
    const plugins = (n as { Config?: { Plugins?: unknown } } | null)?.Config?.Plugins;
    for (const p of Array.isArray(plugins) ? plugins : []) {
      const src = parseJson((p as { Source?: unknown } | null)?.Source) as { ipam?: { type?: unknown; dataDir?: unknown } } | undefined;
      const ipam = src?.ipam;
      if (ipam?.type !== 'host-local') continue;
      if (typeof ipam.dataDir === 'string' && ipam.dataDir !== '') out.add(ipam.dataDir);
      else for (const d of DEFAULT_IPAM_DIRS) out.add(d);
    }
  }
  return [...out];
}

/** The host-local data dirs of CNI conf files' text (a conflist, or a single-plugin conf). */
export function ipamDirsOfConf(doc: unknown): string[] {
  const d = doc as { plugins?: unknown } | undefined;
  const plugins = Array.isArray(d?.plugins) ? d.plugins : d ? [d] : [];
  return ipamDirsOf({ Networks: [{ Config: { Plugins: plugins.map((p) => ({ Source: JSON.stringify(p) })) } }] });
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isString(x: unknown): x is string {
  return typeof x === 'string';
}
