// Original file: proto/kubesweep/v1/agent.proto

import type { ProcessRef as _kubesweep_v1_ProcessRef, ProcessRef__Output as _kubesweep_v1_ProcessRef__Output } from '../../kubesweep/v1/ProcessRef';
import type { Long } from '@grpc/proto-loader';

export interface NetnsInfo {
  'path'?: (string);
  'name'?: (string);
  'inode'?: (number | string | Long);
  'holders'?: (_kubesweep_v1_ProcessRef)[];
}

export interface NetnsInfo__Output {
  'path': (string);
  'name': (string);
  'inode': (string);
  'holders': (_kubesweep_v1_ProcessRef__Output)[];
}
