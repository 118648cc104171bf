// Original file: proto/kubesweep/v1/agent.proto


/**
 * A libcni cache file of a CRI sandbox of this node: <cacheDir>/<network>-<sandbox id>-<ifname>.
 */
export interface CniCacheFileInfo {
  'path'?: (string);
  'network'?: (string);
  'containerId'?: (string);
  'ifname'?: (string);
  /**
   * The netns the attachment was made in (inside a configured netns dir).
   */
  'netns'?: (string);
  /**
   * Its sandbox is still known to the CRI or run by a live shim of ours (a reset keeps it).
   */
  'live'?: (boolean);
}

/**
 * A libcni cache file of a CRI sandbox of this node: <cacheDir>/<network>-<sandbox id>-<ifname>.
 */
export interface CniCacheFileInfo__Output {
  'path': (string);
  'network': (string);
  'containerId': (string);
  'ifname': (string);
  /**
   * The netns the attachment was made in (inside a configured netns dir).
   */
  'netns': (string);
  /**
   * Its sandbox is still known to the CRI or run by a live shim of ours (a reset keeps it).
   */
  'live': (boolean);
}
