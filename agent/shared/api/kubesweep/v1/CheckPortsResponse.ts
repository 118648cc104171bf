// Original file: proto/kubesweep/v1/agent.proto

import type { PortCheckResult as _kubesweep_v1_PortCheckResult, PortCheckResult__Output as _kubesweep_v1_PortCheckResult__Output } from '../../kubesweep/v1/PortCheckResult';

export interface CheckPortsResponse {
  'allFree'?: (boolean);
  'ports'?: (_kubesweep_v1_PortCheckResult)[];
}

export interface CheckPortsResponse__Output {
  'allFree': (boolean);
  'ports': (_kubesweep_v1_PortCheckResult__Output)[];
}
