// The cleanup engine's configuration for a testbed: its CRI socket, containerd address,
// namespace and dirs, its netns dir, and manifests and state dirs under its scratch dir (made
// here). The engine's tests and the reset benchmark share it, as agent-args.ts is shared by
// everything that starts an agent.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defaultSweepConfig } from '../../agent/daemon/engine-config';
import type { SweepConfig } from '../../agent/daemon/sweep';
import { CNI_CACHE_RESULTS_DIR, type Testbed } from './testbed';

export function testbedSweepConfig(tb: Testbed, overrides: Partial<SweepConfig> & { nodeName: string }): SweepConfig {
  const manifestsDir = overrides.manifestsDir ?? path.join(tb.scratch, 'manifests');
  mkdirSync(manifestsDir, { recursive: true });
  return defaultSweepConfig({
    criEndpoint: tb.endpoint,
    containerdAddress: tb.socket,
    containerdNamespace: tb.namespace,
    containerdDirs: [tb.root, tb.state],
    manifestsDir,
    netnsDirs: [tb.netnsDir],
    stateDir: path.join(tb.scratch, 'state'),
    // The rejoin kinds act on the testbed's own dirs only. No link patterns: the testbed runs in
    // the machine's network namespace, whose links are never a test's to delete (the links
    // step is tested in a private netns).
    kubeletDir: path.join(tb.scratch, 'kubelet'),
    cniConfDir: tb.cniConfDir,
    cniIpamDirs: [tb.ipamDir],
    // containerd 1.6 writes libcni's cache on the machine; only files that record a netns in this
    // testbed's netns dir are ever the engine's to remove.
    cniCacheDir: CNI_CACHE_RESULTS_DIR,
    linkPatterns: [],
    ...overrides,
  });
}
