// Original file: proto/kubesweep/v1/agent.proto


/**
 * A host-local reservation: <dataDir>/<network>/<ip>.
 */
export interface IpReservationInfo {
  'path'?: (string);
  'network'?: (string);
  'ip'?: (string);
  'containerId'?: (string);
  /**
   * Its container is a live sandbox of this containerd (a reset keeps it).
   */
  'live'?: (boolean);
}

/**
 * A host-local reservation: <dataDir>/<network>/<ip>.
 */
export interface IpReservationInfo__Output {
  'path': (string);
  'network': (string);
  'ip': (string);
  'containerId': (string);
  /**
   * Its container is a live sandbox of this containerd (a reset keeps it).
   */
  'live': (boolean);
}
