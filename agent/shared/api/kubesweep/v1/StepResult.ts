// Original file: proto/kubesweep/v1/agent.proto

import type { ActionResult as _kubesweep_v1_ActionResult, ActionResult__Output as _kubesweep_v1_ActionResult__Output } from '../../kubesweep/v1/ActionResult';

export interface StepResult {
  'name'?: (string);
  'status'?: (string);
  'reason'?: (string);
  'found'?: (number);
  'done'?: (number);
  'skipped'?: (number);
  'failed'?: (number);
  'items'?: (_kubesweep_v1_ActionResult)[];
  'durationMs'?: (number);
  '_reason'?: "reason";
}

export interface StepResult__Output {
  'name': (string);
  'status': (string);
  'reason'?: (string);
  'found': (number);
  'done': (number);
  'skipped': (number);
  'failed': (number);
  'items': (_kubesweep_v1_ActionResult__Output)[];
  'durationMs': (number);
  '_reason'?: "reason";
}
