// The kubesweep-agent flags that point an agent at a testbed: its CRI socket, containerd dirs
// netns dir and CNI conf and IPAM dirs, plus the manifests and state dirs of the caller's choosing. Tests, the demo
// and benchmarks share it so they all exercise the same configuration.

export interface TestbedDirs {
  endpoint: string;
  namespace: string;
  root: string;
  state: string;
  netnsDir: string;
  cniConfDir: string;
  ipamDir: string;
}

export interface AgentTarget {
  node: string;
  manifestsDir: string;
  stateDir: string;
  expectFreePorts: readonly number[];
}

export function testbedAgentArgs(tb: TestbedDirs, opts: AgentTarget): string[] {
  return [
    '--node-name', opts.node,
    '--cri-endpoint', tb.endpoint,
    '--containerd-namespace', tb.namespace,
    '--containerd-dir', tb.root,
    '--containerd-dir', tb.state,
    '--manifests-dir', opts.manifestsDir,
    '--netns-dir', tb.netnsDir,
    '--cni-conf-dir', tb.cniConfDir,
    '--cni-ipam-dir', tb.ipamDir,
    '--state-dir', opts.stateDir,
    '--kubelet-unit', '',
    '--expect-free-ports', opts.expectFreePorts.join(','),
  ];
}
