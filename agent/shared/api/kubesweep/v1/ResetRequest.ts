// Original file: proto/kubesweep/v1/agent.proto


export interface ResetRequest {
  'confirmNode'?: (string);
  'dryRun'?: (boolean);
  /**
   * Pod kinds to remove: "static", "daemonset", "pod". Empty = every pod in the namespace.
   */
  'scope'?: (string)[];
  /**
   * Seconds between SIGTERM and SIGKILL for containers; unset = the agent's default.
   */
  'graceSeconds'?: (number);
  /**
   * Ports that must be free afterwards; empty = the agent's configured set.
   */
  'expectFreePorts'?: (number)[];
  /**
   * Cleanup kinds to add to the defaults (links, ipam, cni-cache, kubelet-mounts): "cni-config",
   * "firewall", "kubelet-unit", "etcd-data", "kubelet-state"; and kinds to leave out. A kind in
   * both is refused.
   */
  'withKinds'?: (string)[];
  'withoutKinds'?: (string)[];
  '_graceSeconds'?: "graceSeconds";
}

export interface ResetRequest__Output {
  'confirmNode': (string);
  'dryRun': (boolean);
  /**
   * Pod kinds to remove: "static", "daemonset", "pod". Empty = every pod in the namespace.
   */
  'scope': (string)[];
  /**
   * Seconds between SIGTERM and SIGKILL for containers; unset = the agent's default.
   */
  'graceSeconds'?: (number);
  /**
   * Ports that must be free afterwards; empty = the agent's configured set.
   */
  'expectFreePorts': (number)[];
  /**
   * Cleanup kinds to add to the defaults (links, ipam, cni-cache, kubelet-mounts): "cni-config",
   * "firewall", "kubelet-unit", "etcd-data", "kubelet-state"; and kinds to leave out. A kind in
   * both is refused.
   */
  'withKinds': (string)[];
  'withoutKinds': (string)[];
  '_graceSeconds'?: "graceSeconds";
}
