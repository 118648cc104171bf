// The seed residue: what a kubespray node looks like right after remove-node.yml — the demo's
// pods (static nginx-proxy holding the apiserver port, kube-scheduler, DaemonSet calico-node
// ignoring SIGTERM and kube-proxy holding a metrics port, two pods with their own netns) and
// three static manifests. The fault tests, the soak and the benchmarks reset this shape.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CriClient } from '../../agent/daemon/cri/client';
import { commands, PodSpec, runPod, RunningPod, TestbedTarget } from './pods';

export const SEED_NODE = 'node1';

export const SEED_MANIFESTS: Record<string, string> = {
  'kube-apiserver.yaml':
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  hostNetwork: true\n',
  'kube-scheduler.yaml':
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-scheduler\n  namespace: kube-system\nspec:\n  hostNetwork: true\n',
  'nginx-proxy.yml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-proxy\n  namespace: kube-system\nspec:\n  hostNetwork: true\n',
};

export interface SeedPorts {
  /** Held by the static nginx-proxy (stands in for 6443). */
  api: number;
  /** Held by the DaemonSet kube-proxy (stands in for 10249). */
  proxyMetrics: number;
}

export function seedSpecs(ports: SeedPorts, node = SEED_NODE): PodSpec[] {
  return [
    {
      name: `nginx-proxy-${node}`,
      kind: 'static',
      hostNetwork: true,
      containers: [{ name: 'nginx-proxy', command: commands.httpd(ports.api) }],
    },
    {
      name: `kube-scheduler-${node}`,
      kind: 'static',
      hostNetwork: true,
      containers: [{ name: 'kube-scheduler', command: commands.sleep() }],
    },
    {
      name: 'calico-node-7xk2p',
      kind: 'daemonset',
      hostNetwork: true,
      containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
    },
    {
      name: 'kube-proxy-q8n4m',
      kind: 'daemonset',
      hostNetwork: true,
      containers: [{ name: 'kube-proxy', command: commands.httpd(ports.proxyMetrics) }],
    },
    { name: 'coredns-5d78c9869d-abcde', kind: 'pod', hostNetwork: false, containers: [{ name: 'coredns', command: commands.sleep() }] },
    { name: 'web-6b7f9c8d4-fghij', kind: 'pod', hostNetwork: false, containers: [{ name: 'web', command: commands.sleep() }] },
  ];
}

/** Write the static manifests and start the seed pods (one by one: runc is CPU-bound). */
export async function seedResidue(cri: CriClient, tb: TestbedTarget, manifestsDir: string, ports: SeedPorts): Promise<RunningPod[]> {
  mkdirSync(manifestsDir, { recursive: true });
  for (const [name, text] of Object.entries(SEED_MANIFESTS)) writeFileSync(path.join(manifestsDir, name), text);
  const pods: RunningPod[] = [];
  for (const spec of seedSpecs(ports)) pods.push(await runPod(cri, tb, spec));
  return pods;
}
