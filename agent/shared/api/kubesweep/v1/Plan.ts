// Original file: proto/kubesweep/v1/agent.proto

import type { PlannedStep as _kubesweep_v1_PlannedStep, PlannedStep__Output as _kubesweep_v1_PlannedStep__Output } from '../../kubesweep/v1/PlannedStep';

export interface Plan {
  'node'?: (string);
  'createdAt'?: (string);
  'dryRun'?: (boolean);
  'scope'?: (string)[];
  'graceSeconds'?: (number);
  'steps'?: (_kubesweep_v1_PlannedStep)[];
}

export interface Plan__Output {
  'node': (string);
  'createdAt': (string);
  'dryRun': (boolean);
  'scope': (string)[];
  'graceSeconds': (number);
  'steps': (_kubesweep_v1_PlannedStep__Output)[];
}
