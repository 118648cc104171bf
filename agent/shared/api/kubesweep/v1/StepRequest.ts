// Original file: proto/kubesweep/v1/agent.proto


export interface StepRequest {
  'confirmNode'?: (string);
  'dryRun'?: (boolean);
  'scope'?: (string)[];
  'graceSeconds'?: (number);
  '_graceSeconds'?: "graceSeconds";
}

export interface StepRequest__Output {
  'confirmNode': (string);
  'dryRun': (boolean);
  'scope': (string)[];
  'graceSeconds'?: (number);
  '_graceSeconds'?: "graceSeconds";
}
