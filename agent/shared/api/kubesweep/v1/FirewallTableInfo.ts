// Original file: proto/kubesweep/v1/agent.proto


/**
 * Kubernetes/CNI chains of one table of one iptables backend.
 */
export interface FirewallTableInfo {
  'backend'?: (string);
  'table'?: (string);
  'chains'?: (string)[];
  'jumps'?: (number);
}

/**
 * Kubernetes/CNI chains of one table of one iptables backend.
 */
export interface FirewallTableInfo__Output {
  'backend': (string);
  'table': (string);
  'chains': (string)[];
  'jumps': (number);
}
