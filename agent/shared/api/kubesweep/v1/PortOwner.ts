// Original file: proto/kubesweep/v1/agent.proto

import type { PodRef as _kubesweep_v1_PodRef, PodRef__Output as _kubesweep_v1_PodRef__Output } from '../../kubesweep/v1/PodRef';

export interface PortOwner {
  'pid'?: (number);
  /**
   * argv joined with spaces (truncated to a sane length).
   */
  'command'?: (string);
  /**
   * From /proc/PID/cgroup, when the process is in a container.
   */
  'containerId'?: (string);
  'containerName'?: (string);
  'pod'?: (_kubesweep_v1_PodRef | null);
  /**
   * From the cgroup path, when the CRI does not know the container any more.
   */
  'podUid'?: (string);
  /**
   * Left over: its container/pod is gone from the CRI, or its shim's containerd is gone.
   */
  'residue'?: (boolean);
  'residueReason'?: (string);
  /**
   * From the container's OCI bundle when the CRI cannot name the pod.
   */
  'podName'?: (string);
  'podNamespace'?: (string);
  'sandboxId'?: (string);
  /**
   * The containerd shim this process descends from, and the containerd socket it reports to.
   */
  'shimPid'?: (number);
  'shimAddress'?: (string);
  '_containerId'?: "containerId";
  '_containerName'?: "containerName";
  '_podUid'?: "podUid";
  '_residueReason'?: "residueReason";
  '_podName'?: "podName";
  '_podNamespace'?: "podNamespace";
  '_sandboxId'?: "sandboxId";
  '_shimPid'?: "shimPid";
  '_shimAddress'?: "shimAddress";
}

export interface PortOwner__Output {
  'pid': (number);
  /**
   * argv joined with spaces (truncated to a sane length).
   */
  'command': (string);
  /**
   * From /proc/PID/cgroup, when the process is in a container.
   */
  'containerId'?: (string);
  'containerName'?: (string);
  'pod': (_kubesweep_v1_PodRef__Output | null);
  /**
   * From the cgroup path, when the CRI does not know the container any more.
   */
  'podUid'?: (string);
  /**
   * Left over: its container/pod is gone from the CRI, or its shim's containerd is gone.
   */
  'residue': (boolean);
  'residueReason'?: (string);
  /**
   * From the container's OCI bundle when the CRI cannot name the pod.
   */
  'podName'?: (string);
  'podNamespace'?: (string);
  'sandboxId'?: (string);
  /**
   * The containerd shim this process descends from, and the containerd socket it reports to.
   */
  'shimPid'?: (number);
  'shimAddress'?: (string);
  '_containerId'?: "containerId";
  '_containerName'?: "containerName";
  '_podUid'?: "podUid";
  '_residueReason'?: "residueReason";
  '_podName'?: "podName";
  '_podNamespace'?: "podNamespace";
  '_sandboxId'?: "sandboxId";
  '_shimPid'?: "shimPid";
  '_shimAddress'?: "shimAddress";
}
