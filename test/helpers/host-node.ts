// A node made of temp dirs for the host lane: the engine runs against the machine's real kernel
// (mountinfo, cgroups, processes, nft in a private netns) but every dir it may touch lies under
// the test's root, and every kind the test does not name is pointed at nothing ('' or []), so no
// step can reach the machine's /etc/kubernetes, /var/lib/etcd, /etc/cni or /kubepods.
import path from 'node:path';
import pino from 'pino';
import type { CriClient } from '../../agent/daemon/cri/client';
import { defaultSweepConfig } from '../../agent/daemon/engine-config';
import { Sweeper, type SweepConfig, type SweepDeps } from '../../agent/daemon/sweep';

export function hostNodeConfig(root: string, overrides: Partial<SweepConfig> = {}): SweepConfig {
  return defaultSweepConfig({
    manifestsDir: path.join(root, 'manifests'),
    netnsDirs: [path.join(root, 'netns')],
    stateDir: path.join(root, 'state'),
    containerdDirs: [path.join(root, 'containerd')],
    containerdAddress: path.join(root, 'containerd', 'c.sock'),
    kubeletDir: path.join(root, 'kubelet'),
    kubernetesDir: path.join(root, 'kubernetes'),
    etcdDataDir: '',
    cniIpamDirs: [],
    cniCacheDir: '',
    cniConfDir: '',
    linkPatterns: [],
    podCgroupParents: [],
    expectFreePorts: [],
    kubeletUnit: '',
    ...overrides,
  });
}

/** A CRI that lists no pod: the steps under test alone act, as after the pods are gone. */
export const emptyCri = (): CriClient => ({ listPodSandbox: async () => [], listContainers: async () => [] }) as unknown as CriClient;

/** The engine on that node, silent, every port reported free unless the test says otherwise. */
export function hostSweeper(config: SweepConfig, deps: Partial<SweepDeps> = {}): Sweeper {
  return new Sweeper(config, {
    cri: emptyCri(),
    log: pino({ level: 'silent' }),
    checkPorts: async () => ({ allFree: true, ports: [] }),
    ...deps,
  });
}
