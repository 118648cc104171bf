// Original file: proto/kubesweep/v1/agent.proto


export interface ActionResult {
  'action'?: (string);
  'target'?: (string);
  'outcome'?: (string);
  'message'?: (string);
  'durationMs'?: (number);
  '_message'?: "message";
}

export interface ActionResult__Output {
  'action': (string);
  'target': (string);
  'outcome': (string);
  'message'?: (string);
  'durationMs': (number);
  '_message'?: "message";
}
