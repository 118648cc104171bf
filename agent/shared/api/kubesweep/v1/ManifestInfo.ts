// Original file: proto/kubesweep/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ManifestInfo {
  'name'?: (string);
  'size'?: (number | string | Long);
  'sha256'?: (string);
}

export interface ManifestInfo__Output {
  'name': (string);
  'size': (string);
  'sha256': (string);
}
