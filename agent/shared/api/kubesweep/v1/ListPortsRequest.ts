// Original file: proto/kubesweep/v1/agent.proto


export interface ListPortsRequest {
  'allNetns'?: (boolean);
}

export interface ListPortsRequest__Output {
  'allNetns': (boolean);
}
