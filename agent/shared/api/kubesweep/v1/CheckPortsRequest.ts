// Original file: proto/kubesweep/v1/agent.proto


export interface CheckPortsRequest {
  /**
   * Empty = the agent's configured expected-free set.
   */
  'ports'?: (number)[];
}

export interface CheckPortsRequest__Output {
  /**
   * Empty = the agent's configured expected-free set.
   */
  'ports': (number)[];
}
