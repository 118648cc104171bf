// Original file: proto/kubesweep/v1/agent.proto


export interface PlannedAction {
  'step'?: (string);
  'action'?: (string);
  'target'?: (string);
  /**
   * Values are JSON texts.
   */
  'detail'?: ({[key: string]: string});
}

export interface PlannedAction__Output {
  'step': (string);
  'action': (string);
  'target': (string);
  /**
   * Values are JSON texts.
   */
  'detail': ({[key: string]: string});
}
