// The kubesweep-agent flags that point an agent at a testbed: the testbed's pins (pins.ts: its CRI
// socket, containerd dirs, netns dir, CNI dirs …) plus the node name, the manifests and state dirs
// and the ports of the caller's choosing. Tests, the demo and benchmarks share it so they all
// exercise the same configuration; the engine's tests get the same pins (sweep-config.ts).
import { optionFlags, testbedPins, type PinTarget, type TestbedDirs } from './pins';

export type { TestbedDirs } from './pins';

export interface AgentTarget extends PinTarget {
  node: string;
  expectFreePorts: readonly number[];
}

export function testbedAgentArgs(tb: TestbedDirs, opts: AgentTarget): string[] {
  return optionFlags({ nodeName: opts.node, ...testbedPins(tb, opts), expectFreePorts: opts.expectFreePorts });
}
