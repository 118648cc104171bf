// Original file: proto/kubesweep/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface CniConfigFileInfo {
  'path'?: (string);
  'size'?: (number | string | Long);
  'pattern'?: (string);
}

export interface CniConfigFileInfo__Output {
  'path': (string);
  'size': (string);
  'pattern': (string);
}
