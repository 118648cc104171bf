// Original file: proto/kubesweep/v1/agent.proto


/**
 * A link matching the configured patterns, in the agent's network namespace.
 */
export interface LinkInfo {
  'name'?: (string);
  /**
   * bridge, vxlan, veth, ipip … ("" for a plain device).
   */
  'kind'?: (string);
  'up'?: (boolean);
  'addresses'?: (string)[];
  'pattern'?: (string);
  /**
   * A kernel fallback device (tunl0 …) that is down with no address: a reset leaves it.
   */
  'inert'?: (boolean);
}

/**
 * A link matching the configured patterns, in the agent's network namespace.
 */
export interface LinkInfo__Output {
  'name': (string);
  /**
   * bridge, vxlan, veth, ipip … ("" for a plain device).
   */
  'kind': (string);
  'up': (boolean);
  'addresses': (string)[];
  'pattern': (string);
  /**
   * A kernel fallback device (tunl0 …) that is down with no address: a reset leaves it.
   */
  'inert': (boolean);
}
