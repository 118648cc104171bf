// The kubesweep-agent flags that point an agent at a testbed: its CRI socket, containerd dirs
// netns dir and CNI conf and IPAM dirs, plus the manifests and state dirs of the caller's choosing. Tests, the demo
// and benchmarks share it so they all exercise the same configuration.
import { CNI_CACHE_RESULTS_DIR } from './testbed';

export interface TestbedDirs {
  endpoint: string;
  namespace: string;
  root: string;
  state: string;
  netnsDir: string;
  scratch: string;
  cniConfDir: string;
  ipamDir: string;
}

export interface AgentTarget {
  node: string;
  manifestsDir: string;
  stateDir: string;
  expectFreePorts: readonly number[];
  /** Link patterns: none (default: the agent runs in the machine's netns), or the agent's defaults (only in a private netns). */
  links?: 'none' | 'default';
}

export function testbedAgentArgs(tb: TestbedDirs, opts: AgentTarget): string[] {
  return [
    '--node-name',
    opts.node,
    '--cri-endpoint',
    tb.endpoint,
    '--containerd-namespace',
    tb.namespace,
    '--containerd-dir',
    tb.root,
    '--containerd-dir',
    tb.state,
    '--manifests-dir',
    opts.manifestsDir,
    '--netns-dir',
    tb.netnsDir,
    '--cni-conf-dir',
    tb.cniConfDir,
    '--cni-ipam-dir',
    tb.ipamDir,
    // containerd 1.6 writes libcni's cache on the machine (CNI_CACHE_RESULTS_DIR); only files that
    // record a netns in this testbed's netns dir are ever the agent's to remove.
    '--cni-cache-dir',
    CNI_CACHE_RESULTS_DIR,
    '--state-dir',
    opts.stateDir,
    '--kubelet-unit',
    '',
    // The rejoin kinds on the testbed's own dirs (the CNI dirs above too). No link patterns: a testbed agent runs in the
    // machine's network namespace, whose links are never a test's to delete (links are tested
    // with an agent inside a private netns: test/integration/rejoin.test.ts).
    '--kubelet-dir',
    `${tb.scratch}/kubelet`,
    ...(opts.links === 'default' ? [] : ['--link-pattern', '']),
    '--expect-free-ports',
    opts.expectFreePorts.join(','),
  ];
}
