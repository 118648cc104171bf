// Original file: proto/kubesweep/v1/agent.proto

import type { ResetReport as _kubesweep_v1_ResetReport, ResetReport__Output as _kubesweep_v1_ResetReport__Output } from '../../kubesweep/v1/ResetReport';

export interface StepResponse {
  'report'?: (_kubesweep_v1_ResetReport | null);
}

export interface StepResponse__Output {
  'report': (_kubesweep_v1_ResetReport__Output | null);
}
