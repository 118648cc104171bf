// The port report's data: what the agent returns from ListPorts/CheckPorts and /ports.

import type { PodKind } from '../../shared/pod-kind';

export type { PodKind };

export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
  kind: PodKind;
  hostNetwork: boolean;
  sandboxId: string;
}

export interface PortOwner {
  pid: number;
  /** argv joined with spaces (truncated to a sane length). */
  command: string;
  /** Container id from /proc/PID/cgroup, when the process is in a container. */
  containerId?: string;
  containerName?: string;
  pod?: PodRef;
  /** The pod uid from the cgroup path, when the CRI does not know the container any more. */
  podUid?: string;
  /** True when this owner is left over: its container/pod is gone from the CRI, or its shim's containerd is gone. */
  residue: boolean;
  residueReason?: string;
  /** Pod facts from the container's OCI bundle, when the CRI could not name the pod (residue). */
  podName?: string;
  podNamespace?: string;
  sandboxId?: string;
  /** The containerd shim this process descends from, and the containerd socket it reports to. */
  shimPid?: number;
  shimAddress?: string;
}

export interface NetnsRef {
  inode: number;
  /** File name under a netns dir (e.g. cni-1234…), or 'host' for the host netns. */
  name?: string;
  host: boolean;
  /** The process the netns was read through (/proc/<memberPid>/net/*). */
  memberPid?: number;
  /** Set when this netns was found but its sockets could not be read, and why. */
  unread?: string;
}

export interface Listener {
  protocol: 'tcp' | 'udp';
  family: 4 | 6;
  /** Printable local address: 127.0.0.1, ::, ::ffff:10.0.0.1, 0.0.0.0 … */
  address: string;
  port: number;
  /** Socket inode (from /proc/net/*). */
  inode: number;
  netns: NetnsRef;
  owners: PortOwner[];
}

export interface PortReport {
  listeners: Listener[];
  /** Lines of /proc/net/* that could not be parsed (skipped, counted). */
  malformedLines: number;
  netnsScanned: NetnsRef[];
  generatedAt: string;
  /** Set when the CRI could not be asked: owners then carry no pod. */
  criError?: string;
}

export interface PortCheckResult {
  port: number;
  held: boolean;
  /** The host-netns listeners using this port (any address, v4 or v6, TCP or UDP). */
  listeners: Listener[];
}

export interface PortCheck {
  allFree: boolean;
  ports: PortCheckResult[];
}

/** The ports a Kubespray node needs free before it (re)joins. */
export const KUBESPRAY_NODE_PORTS: readonly number[] = Object.freeze([
  6443, 2379, 2380, 2381, 10248, 10249, 10250, 10256, 10257, 10259, 8081, 9099, 179, 9253, 9254,
]);
