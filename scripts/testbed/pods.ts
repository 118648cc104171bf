// Kubernetes-shaped pods created straight through CRI, labelled and annotated the way the
// kubelet does it, so kubesweep sees the same residue it meets on a real node.
import { randomUUID } from 'node:crypto';
import type { CriClient } from '../../agent/daemon/cri/client';
import type { ContainerConfig, PodSandboxConfig } from '../../agent/daemon/cri/messages';

export type PodKind = 'static' | 'daemonset' | 'pod';

export interface ContainerSpec {
  name: string;
  /** argv inside the busybox image. */
  command: string[];
}

export interface PodSpec {
  name: string;
  namespace?: string;
  kind: PodKind;
  hostNetwork: boolean;
  containers: ContainerSpec[];
  labels?: Record<string, string>;
}

export interface TestbedTarget {
  cgroupParent: string;
  busyboxImage: string;
}

export interface RunningPod {
  spec: PodSpec;
  uid: string;
  sandboxId: string;
  containerIds: string[];
  config: PodSandboxConfig;
}

/** Container commands that the tests need. */
export const commands = {
  /** Holds a TCP port: busybox httpd in the foreground. */
  httpd: (port: number, host = '127.0.0.1'): string[] => ['/bin/busybox', 'httpd', '-f', '-p', `${host}:${port}`, '-h', '/www'],
  /** Runs until killed; as PID 1 of its PID namespace it gets no default SIGTERM action. */
  sleep: (): string[] => ['/bin/busybox', 'sleep', '2147483'],
  /** Explicitly ignores SIGTERM: StopContainer has to wait out the grace period, then SIGKILL. */
  ignoreTerm: (): string[] => ['/bin/sh', '-c', 'trap "" TERM; while :; do /bin/busybox sleep 1; done'],
};

export function sandboxConfig(tb: TestbedTarget, spec: PodSpec, uid: string): PodSandboxConfig {
  const namespace = spec.namespace ?? (spec.kind === 'pod' ? 'default' : 'kube-system');
  const labels: Record<string, string> = {
    'io.kubernetes.pod.name': spec.name,
    'io.kubernetes.pod.namespace': namespace,
    'io.kubernetes.pod.uid': uid,
    ...spec.labels,
  };
  const annotations: Record<string, string> = { 'kubernetes.io/config.seen': new Date().toISOString() };
  if (spec.kind === 'static') {
    annotations['kubernetes.io/config.source'] = 'file';
    annotations['kubernetes.io/config.hash'] = uid.replace(/-/g, '');
    labels.tier ??= 'node';
  } else {
    annotations['kubernetes.io/config.source'] = 'api';
  }
  if (spec.kind === 'daemonset') {
    labels['controller-revision-hash'] ??= '5d8f7c6b9';
    labels['pod-template-generation'] ??= '1';
  }
  return {
    metadata: { name: spec.name, namespace, uid, attempt: 0 },
    // A host-network sandbox has no UTS namespace of its own: runc refuses to set a hostname.
    hostname: spec.hostNetwork ? '' : spec.name.slice(0, 63),
    labels,
    annotations,
    linux: {
      cgroupParent: tb.cgroupParent,
      securityContext: {
        namespaceOptions: { network: spec.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' },
      },
    },
  };
}

export function containerConfig(tb: TestbedTarget, pod: PodSandboxConfig, c: ContainerSpec): ContainerConfig {
  const m = pod.metadata;
  return {
    metadata: { name: c.name, attempt: 0 },
    image: { image: tb.busyboxImage },
    command: c.command,
    labels: {
      'io.kubernetes.container.name': c.name,
      'io.kubernetes.pod.name': m.name,
      'io.kubernetes.pod.namespace': m.namespace,
      'io.kubernetes.pod.uid': m.uid,
    },
    annotations: { 'io.kubernetes.container.restartCount': '0' },
    linux: {
      securityContext: {
        namespaceOptions: pod.linux?.securityContext?.namespaceOptions ?? {},
      },
    },
  };
}

/** RunPodSandbox, then create and start each container. */
export async function runPod(cri: CriClient, tb: TestbedTarget, spec: PodSpec): Promise<RunningPod> {
  const uid = randomUUID();
  const config = sandboxConfig(tb, spec, uid);
  const sandboxId = await cri.runPodSandbox(config);
  const containerIds: string[] = [];
  for (const c of spec.containers) {
    const id = await cri.createContainer(sandboxId, containerConfig(tb, config, c), config);
    await cri.startContainer(id);
    containerIds.push(id);
  }
  return { spec, uid, sandboxId, containerIds, config };
}
