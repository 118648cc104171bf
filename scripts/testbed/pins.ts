// What points kubesweep at a testbed instead of the machine: ONE set of option values (named as in
// agent/daemon/options.ts). The agent's flags (agent-args.ts) and the engine's config
// (sweep-config.ts) are both derived from it, so the two can never disagree about where a test
// may act. Every path option of the option table is either pinned here or listed in
// UNPINNED_PATH_OPTIONS with the reason it is safe (test/unit/testbed/pins.test.ts), so a new
// path option the testbed forgets can never point root tests at the machine's own defaults.
import path from 'node:path';
import { OPTIONS, type OptionName, type OptionValues } from '../../agent/daemon/options';
import { CNI_CACHE_RESULTS_DIR } from './testbed';

/** The dirs of a running testbed that the pins name. */
export interface TestbedDirs {
  /** The testbed's own dir, where its containerd's config.toml is. */
  dir: string;
  endpoint: string;
  namespace: string;
  root: string;
  state: string;
  netnsDir: string;
  scratch: string;
  cniConfDir: string;
  ipamDir: string;
  /** The cgroup parent its pods' containers run under (in every hierarchy). */
  cgroupParent?: string;
}

export type Pins = Partial<OptionValues>;

export interface PinTarget {
  manifestsDir: string;
  stateDir: string;
  /** Link patterns: none (default: kubesweep runs in the machine's netns), or the agent's defaults (only in a private netns). */
  links?: 'none' | 'default';
}

export function testbedPins(tb: TestbedDirs, target: PinTarget): Pins {
  return {
    criEndpoint: tb.endpoint,
    // An agent that never sees the CRI answer reads this containerd's config, never the machine's.
    containerdConfig: path.join(tb.dir, 'config.toml'),
    containerdNamespace: tb.namespace,
    containerdDirs: [tb.root, tb.state],
    manifestsDir: target.manifestsDir,
    netnsDirs: [tb.netnsDir],
    stateDir: target.stateDir,
    cniConfDir: tb.cniConfDir,
    cniIpamDirs: [tb.ipamDir],
    // containerd 1.6 writes libcni's cache on the machine (CNI_CACHE_RESULTS_DIR); only files that
    // record a netns in this testbed's netns dir are ever kubesweep's to remove.
    cniCacheDir: CNI_CACHE_RESULTS_DIR,
    // The machine's kubelet is never a test's to stop.
    kubeletUnit: '',
    // The rejoin kinds on the testbed's own dirs (the CNI dirs above too).
    kubeletDir: path.join(tb.scratch, 'kubelet'),
    // A control-plane node's etcd data and kubeconfigs: the testbed's own, never the machine's.
    etcdDataDir: path.join(tb.scratch, 'etcd'),
    kubernetesDir: path.join(tb.scratch, 'kubernetes'),
    // Only the testbed's own cgroup parent is its pod hierarchy, never the machine's /kubepods.
    podCgroupParents: tb.cgroupParent ? [tb.cgroupParent] : [],
    // No link patterns: a testbed runs in the machine's network namespace, whose links are never
    // a test's to delete (links are tested inside a private netns: test/integration/containerd/rejoin.test.ts).
    ...(target.links === 'default' ? {} : { linkPatterns: [] }),
  };
}

/** Path options the testbed leaves at their defaults, and why that is safe. */
export const UNPINNED_PATH_OPTIONS: Readonly<Partial<Record<OptionName, string>>> = Object.freeze({
  procRoot: "read only: the testbed's processes are the machine's, and /proc is where they are read",
  listen:
    "the agent's own socket: every test that starts an agent gives its own --listen under its temp dir, and the agent refuses a socket another agent answers on",
  tlsCert: 'no default (TLS is off unless given); read only',
  tlsKey: 'no default (TLS is off unless given); read only',
  tlsClientCa: 'no default (TLS is off unless given); read only',
  tlsCrl: 'no default; read only',
});

/** The agent flags that give these option values (a list as one flag per item; an empty list as `""`). */
export function optionFlags(values: Pins): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(values) as [OptionName, unknown][]) {
    const flag = (OPTIONS[name] as { flag?: string }).flag;
    if (flag === undefined) throw new Error(`option ${name} has no flag: it cannot be pinned on the command line`);
    const items = Array.isArray(value) ? (value.length ? value : ['']) : [value];
    for (const v of items) out.push(`--${flag}`, String(v));
  }
  return out;
}
