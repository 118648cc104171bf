// Original file: proto/kubesweep/v1/agent.proto

import type { NodeFacts as _kubesweep_v1_NodeFacts, NodeFacts__Output as _kubesweep_v1_NodeFacts__Output } from '../../kubesweep/v1/NodeFacts';

export interface InfoResponse {
  'agentVersion'?: (string);
  'nodeName'?: (string);
  'criRuntimeName'?: (string);
  'criRuntimeVersion'?: (string);
  'criApiVersion'?: (string);
  /**
   * Set when the CRI could not be asked: why.
   */
  'criError'?: (string);
  'facts'?: (_kubesweep_v1_NodeFacts | null);
  'expectFreePorts'?: (number)[];
  'manifestsDir'?: (string);
  'netnsDirs'?: (string)[];
  'stateDir'?: (string);
  '_criError'?: "criError";
}

export interface InfoResponse__Output {
  'agentVersion': (string);
  'nodeName': (string);
  'criRuntimeName': (string);
  'criRuntimeVersion': (string);
  'criApiVersion': (string);
  /**
   * Set when the CRI could not be asked: why.
   */
  'criError'?: (string);
  'facts': (_kubesweep_v1_NodeFacts__Output | null);
  'expectFreePorts': (number)[];
  'manifestsDir': (string);
  'netnsDirs': (string)[];
  'stateDir': (string);
  '_criError'?: "criError";
}
