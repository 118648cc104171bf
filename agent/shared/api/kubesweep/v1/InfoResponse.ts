// Original file: proto/kubesweep/v1/agent.proto

import type { NodeFacts as _kubesweep_v1_NodeFacts, NodeFacts__Output as _kubesweep_v1_NodeFacts__Output } from '../../kubesweep/v1/NodeFacts';
import type { DirInfo as _kubesweep_v1_DirInfo, DirInfo__Output as _kubesweep_v1_DirInfo__Output } from '../../kubesweep/v1/DirInfo';

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
  /**
   * Every dir the agent uses, with where its value came from (docs/runtime-learning.md).
   */
  'dirs'?: (_kubesweep_v1_DirInfo)[];
  /**
   * The CRI endpoint in use, and where it came from: "flag", "config-file", "detected", "default".
   */
  'criEndpoint'?: (string);
  'criEndpointSource'?: (string);
  /**
   * What the agent knows from containerd: "runtime" (asked now), "learned" (saved earlier),
   * "containerd-config" (its config file), or empty (nothing); with the time and the version.
   */
  'runtimeSource'?: (string);
  'runtimeLearnedAt'?: (string);
  'runtimeVersion'?: (string);
  /**
   * Configured dirs that contradict containerd, learned dirs refused by the sanity rules, and
   * why containerd could not be asked or its config file not read.
   */
  'dirWarnings'?: (string)[];
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
  /**
   * Every dir the agent uses, with where its value came from (docs/runtime-learning.md).
   */
  'dirs': (_kubesweep_v1_DirInfo__Output)[];
  /**
   * The CRI endpoint in use, and where it came from: "flag", "config-file", "detected", "default".
   */
  'criEndpoint': (string);
  'criEndpointSource': (string);
  /**
   * What the agent knows from containerd: "runtime" (asked now), "learned" (saved earlier),
   * "containerd-config" (its config file), or empty (nothing); with the time and the version.
   */
  'runtimeSource': (string);
  'runtimeLearnedAt': (string);
  'runtimeVersion': (string);
  /**
   * Configured dirs that contradict containerd, learned dirs refused by the sanity rules, and
   * why containerd could not be asked or its config file not read.
   */
  'dirWarnings': (string)[];
  '_criError'?: "criError";
}
