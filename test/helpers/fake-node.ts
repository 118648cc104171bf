// An empty fake node for engine tests: a fake /proc (just a mountinfo), temp manifests, netns,
// state and containerd dirs, one static manifest, and the rejoin kinds pointed at the node's own
// dirs with no link patterns (no link of the test machine is ever the engine's to delete).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultSweepConfig } from '../../agent/daemon/engine-config';
import type { SweepConfig } from '../../agent/daemon/sweep';

export function fakeNode(
  t: { teardown: (fn: () => void) => void },
  overrides: Partial<SweepConfig> = {},
): { root: string; config: SweepConfig } {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-node-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const procRoot = path.join(root, 'proc');
  mkdirSync(path.join(procRoot, 'self'), { recursive: true });
  writeFileSync(path.join(procRoot, 'self', 'mountinfo'), '22 27 0:21 / /proc rw,relatime - proc proc rw\n');
  for (const d of ['manifests', 'netns', 'state', 'containerd']) mkdirSync(path.join(root, d));
  writeFileSync(path.join(root, 'manifests', 'kube-apiserver.yaml'), 'kind: Pod\n');
  const config = defaultSweepConfig({
    procRoot,
    manifestsDir: path.join(root, 'manifests'),
    netnsDirs: [path.join(root, 'netns')],
    stateDir: path.join(root, 'state'),
    containerdDirs: [path.join(root, 'containerd')],
    kubeletDir: path.join(root, 'kubelet'),
    cniIpamDirs: [path.join(root, 'ipam')],
    cniCacheDir: path.join(root, 'cni-cache'),
    cniConfDir: path.join(root, 'net.d'),
    etcdDataDir: path.join(root, 'etcd'),
    kubernetesDir: path.join(root, 'kubernetes'),
    linkPatterns: [],
    expectFreePorts: [6443],
    graceSeconds: 0,
    ...overrides,
  });
  return { root, config };
}
