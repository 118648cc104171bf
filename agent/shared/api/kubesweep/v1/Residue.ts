// Original file: proto/kubesweep/v1/agent.proto

import type { Listener as _kubesweep_v1_Listener, Listener__Output as _kubesweep_v1_Listener__Output } from '../../kubesweep/v1/Listener';

export interface Residue {
  'kind'?: (string);
  'target'?: (string);
  'why'?: (string);
  'listeners'?: (_kubesweep_v1_Listener)[];
}

export interface Residue__Output {
  'kind': (string);
  'target': (string);
  'why': (string);
  'listeners': (_kubesweep_v1_Listener__Output)[];
}
