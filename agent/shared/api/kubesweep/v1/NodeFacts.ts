// Original file: proto/kubesweep/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeFacts {
  'os'?: (string);
  'kernel'?: (string);
  'hostname'?: (string);
  'arch'?: (string);
  'cpus'?: (number);
  'memoryBytes'?: (number | string | Long);
  'uptimeSeconds'?: (number | string | Long);
}

export interface NodeFacts__Output {
  'os': (string);
  'kernel': (string);
  'hostname': (string);
  'arch': (string);
  'cpus': (number);
  'memoryBytes': (string);
  'uptimeSeconds': (string);
}
