// Original file: proto/kubesweep/v1/agent.proto

import type { Listener as _kubesweep_v1_Listener, Listener__Output as _kubesweep_v1_Listener__Output } from '../../kubesweep/v1/Listener';
import type { NetnsRef as _kubesweep_v1_NetnsRef, NetnsRef__Output as _kubesweep_v1_NetnsRef__Output } from '../../kubesweep/v1/NetnsRef';

export interface ListPortsResponse {
  'listeners'?: (_kubesweep_v1_Listener)[];
  'malformedLines'?: (number);
  'netnsScanned'?: (_kubesweep_v1_NetnsRef)[];
  'generatedAt'?: (string);
  /**
   * Set when the CRI could not be asked: owners then carry no pod.
   */
  'criError'?: (string);
  '_criError'?: "criError";
}

export interface ListPortsResponse__Output {
  'listeners': (_kubesweep_v1_Listener__Output)[];
  'malformedLines': (number);
  'netnsScanned': (_kubesweep_v1_NetnsRef__Output)[];
  'generatedAt': (string);
  /**
   * Set when the CRI could not be asked: owners then carry no pod.
   */
  'criError'?: (string);
  '_criError'?: "criError";
}
