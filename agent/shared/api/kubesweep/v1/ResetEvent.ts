// Original file: proto/kubesweep/v1/agent.proto

import type { Progress as _kubesweep_v1_Progress, Progress__Output as _kubesweep_v1_Progress__Output } from '../../kubesweep/v1/Progress';
import type { ResetReport as _kubesweep_v1_ResetReport, ResetReport__Output as _kubesweep_v1_ResetReport__Output } from '../../kubesweep/v1/ResetReport';

export interface ResetEvent {
  'progress'?: (_kubesweep_v1_Progress | null);
  'report'?: (_kubesweep_v1_ResetReport | null);
  'event'?: "progress"|"report";
}

export interface ResetEvent__Output {
  'progress'?: (_kubesweep_v1_Progress__Output | null);
  'report'?: (_kubesweep_v1_ResetReport__Output | null);
  'event'?: "progress"|"report";
}
