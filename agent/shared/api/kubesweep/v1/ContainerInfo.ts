// Original file: proto/kubesweep/v1/agent.proto


export interface ContainerInfo {
  'id'?: (string);
  'name'?: (string);
  'sandboxId'?: (string);
  'state'?: (string);
  'podName'?: (string);
  'podNamespace'?: (string);
  /**
   * The container's sandbox is gone from the CRI.
   */
  'orphan'?: (boolean);
}

export interface ContainerInfo__Output {
  'id': (string);
  'name': (string);
  'sandboxId': (string);
  'state': (string);
  'podName': (string);
  'podNamespace': (string);
  /**
   * The container's sandbox is gone from the CRI.
   */
  'orphan': (boolean);
}
