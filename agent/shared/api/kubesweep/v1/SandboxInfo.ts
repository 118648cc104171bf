// Original file: proto/kubesweep/v1/agent.proto


export interface SandboxInfo {
  'id'?: (string);
  'name'?: (string);
  'namespace'?: (string);
  'uid'?: (string);
  'kind'?: (string);
  'hostNetwork'?: (boolean);
  'state'?: (string);
  'createdAt'?: (string);
}

export interface SandboxInfo__Output {
  'id': (string);
  'name': (string);
  'namespace': (string);
  'uid': (string);
  'kind': (string);
  'hostNetwork': (boolean);
  'state': (string);
  'createdAt': (string);
}
