// Original file: proto/kubesweep/v1/agent.proto


/**
 * One dir option as the agent uses it.
 */
export interface DirInfo {
  /**
   * The option's name (containerdDirs, netnsDirs, cniConfDir, cniBinDirs, …).
   */
  'option'?: (string);
  'paths'?: (string)[];
  /**
   * "flag", "config-file", "runtime", "learned", "containerd-config" or "default".
   */
  'source'?: (string);
  /**
   * The source in words: the flag's name, "learned from containerd 1.6.20 at T", the file read.
   */
  'detail'?: (string);
  /**
   * What containerd says, when the value used differs from it.
   */
  'runtimePaths'?: (string)[];
  'warning'?: (string);
  '_warning'?: "warning";
}

/**
 * One dir option as the agent uses it.
 */
export interface DirInfo__Output {
  /**
   * The option's name (containerdDirs, netnsDirs, cniConfDir, cniBinDirs, …).
   */
  'option': (string);
  'paths': (string)[];
  /**
   * "flag", "config-file", "runtime", "learned", "containerd-config" or "default".
   */
  'source': (string);
  /**
   * The source in words: the flag's name, "learned from containerd 1.6.20 at T", the file read.
   */
  'detail': (string);
  /**
   * What containerd says, when the value used differs from it.
   */
  'runtimePaths': (string)[];
  'warning'?: (string);
  '_warning'?: "warning";
}
