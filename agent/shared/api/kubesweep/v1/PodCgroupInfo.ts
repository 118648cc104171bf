// Original file: proto/kubesweep/v1/agent.proto


/**
 * A pod's or container's cgroup under the kubelet's pod hierarchy.
 */
export interface PodCgroupInfo {
  /**
   * Its path in each hierarchy, e.g. /kubepods/besteffort/pod<uid>.
   */
  'cgroup'?: (string);
  'podUid'?: (string);
  'containerId'?: (string);
  /**
   * The systemd slice or scope it is (systemd driver); "" for a cgroupfs dir.
   */
  'unit'?: (string);
  'hierarchies'?: (number);
  'processes'?: (number);
  /**
   * Its pod or container is a live sandbox of this containerd (a reset keeps it).
   */
  'live'?: (boolean);
}

/**
 * A pod's or container's cgroup under the kubelet's pod hierarchy.
 */
export interface PodCgroupInfo__Output {
  /**
   * Its path in each hierarchy, e.g. /kubepods/besteffort/pod<uid>.
   */
  'cgroup': (string);
  'podUid': (string);
  'containerId': (string);
  /**
   * The systemd slice or scope it is (systemd driver); "" for a cgroupfs dir.
   */
  'unit': (string);
  'hierarchies': (number);
  'processes': (number);
  /**
   * Its pod or container is a live sandbox of this containerd (a reset keeps it).
   */
  'live': (boolean);
}
