// Original file: proto/kubesweep/v1/agent.proto


/**
 * One progress event: type is step-started, item-done, item-failed or step-finished.
 */
export interface Progress {
  'type'?: (string);
  'step'?: (string);
  'action'?: (string);
  'target'?: (string);
  'outcome'?: (string);
  'message'?: (string);
  'planned'?: (number);
  'status'?: (string);
  'durationMs'?: (number);
}

/**
 * One progress event: type is step-started, item-done, item-failed or step-finished.
 */
export interface Progress__Output {
  'type': (string);
  'step': (string);
  'action': (string);
  'target': (string);
  'outcome': (string);
  'message': (string);
  'planned': (number);
  'status': (string);
  'durationMs': (number);
}
