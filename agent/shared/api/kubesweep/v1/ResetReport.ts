// Original file: proto/kubesweep/v1/agent.proto

import type { Plan as _kubesweep_v1_Plan, Plan__Output as _kubesweep_v1_Plan__Output } from '../../kubesweep/v1/Plan';
import type { StepResult as _kubesweep_v1_StepResult, StepResult__Output as _kubesweep_v1_StepResult__Output } from '../../kubesweep/v1/StepResult';
import type { Verification as _kubesweep_v1_Verification, Verification__Output as _kubesweep_v1_Verification__Output } from '../../kubesweep/v1/Verification';

export interface ResetReport {
  'runId'?: (string);
  'node'?: (string);
  'requestedBy'?: (string);
  'dryRun'?: (boolean);
  'plan'?: (_kubesweep_v1_Plan | null);
  'steps'?: (_kubesweep_v1_StepResult)[];
  'verification'?: (_kubesweep_v1_Verification | null);
  /**
   * Set when manifests were backed up.
   */
  'backupId'?: (string);
  'startedAt'?: (string);
  'finishedAt'?: (string);
  'durationMs'?: (number);
  /**
   * Set when the run stopped early (a required step failed, or the agent shut down): why.
   */
  'aborted'?: (string);
  '_backupId'?: "backupId";
  '_aborted'?: "aborted";
}

export interface ResetReport__Output {
  'runId': (string);
  'node': (string);
  'requestedBy': (string);
  'dryRun': (boolean);
  'plan': (_kubesweep_v1_Plan__Output | null);
  'steps': (_kubesweep_v1_StepResult__Output)[];
  'verification': (_kubesweep_v1_Verification__Output | null);
  /**
   * Set when manifests were backed up.
   */
  'backupId'?: (string);
  'startedAt': (string);
  'finishedAt': (string);
  'durationMs': (number);
  /**
   * Set when the run stopped early (a required step failed, or the agent shut down): why.
   */
  'aborted'?: (string);
  '_backupId'?: "backupId";
  '_aborted'?: "aborted";
}
