// Original file: proto/kubesweep/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface BackupInfo {
  'id'?: (string);
  'createdAt'?: (string);
  'files'?: (number);
  'bytes'?: (number | string | Long);
}

export interface BackupInfo__Output {
  'id': (string);
  'createdAt': (string);
  'files': (number);
  'bytes': (string);
}
