// Original file: proto/kubesweep/v1/agent.proto

import type { PlannedAction as _kubesweep_v1_PlannedAction, PlannedAction__Output as _kubesweep_v1_PlannedAction__Output } from '../../kubesweep/v1/PlannedAction';

export interface PlannedStep {
  'name'?: (string);
  'required'?: (boolean);
  'actions'?: (_kubesweep_v1_PlannedAction)[];
  /**
   * Why the step has nothing to do, or what it will leave (e.g. the CRI is unreachable).
   */
  'note'?: (string);
  '_note'?: "note";
}

export interface PlannedStep__Output {
  'name': (string);
  'required': (boolean);
  'actions': (_kubesweep_v1_PlannedAction__Output)[];
  /**
   * Why the step has nothing to do, or what it will leave (e.g. the CRI is unreachable).
   */
  'note'?: (string);
  '_note'?: "note";
}
