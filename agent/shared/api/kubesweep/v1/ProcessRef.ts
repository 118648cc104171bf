// Original file: proto/kubesweep/v1/agent.proto


export interface ProcessRef {
  'pid'?: (number);
  'command'?: (string);
  /**
   * Proven to belong to the configured containerd (a shim of it, or a descendant of one).
   */
  'ours'?: (boolean);
}

export interface ProcessRef__Output {
  'pid': (number);
  'command': (string);
  /**
   * Proven to belong to the configured containerd (a shim of it, or a descendant of one).
   */
  'ours': (boolean);
}
