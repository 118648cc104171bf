// Original file: proto/kubesweep/v1/agent.proto


export interface PodRef {
  'name'?: (string);
  'namespace'?: (string);
  'uid'?: (string);
  /**
   * "static", "daemonset" or "pod".
   */
  'kind'?: (string);
  'hostNetwork'?: (boolean);
  'sandboxId'?: (string);
}

export interface PodRef__Output {
  'name': (string);
  'namespace': (string);
  'uid': (string);
  /**
   * "static", "daemonset" or "pod".
   */
  'kind': (string);
  'hostNetwork': (boolean);
  'sandboxId': (string);
}
