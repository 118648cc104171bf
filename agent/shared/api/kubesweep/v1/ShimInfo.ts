// Original file: proto/kubesweep/v1/agent.proto

import type { ProcessRef as _kubesweep_v1_ProcessRef, ProcessRef__Output as _kubesweep_v1_ProcessRef__Output } from '../../kubesweep/v1/ProcessRef';

export interface ShimInfo {
  'pid'?: (number);
  'id'?: (string);
  'namespace'?: (string);
  'address'?: (string);
  'binary'?: (string);
  'children'?: (_kubesweep_v1_ProcessRef)[];
}

export interface ShimInfo__Output {
  'pid': (number);
  'id': (string);
  'namespace': (string);
  'address': (string);
  'binary': (string);
  'children': (_kubesweep_v1_ProcessRef__Output)[];
}
