// Original file: proto/kubesweep/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface NetnsRef {
  'inode'?: (number | string | Long);
  /**
   * File name under a netns dir (e.g. cni-1234…), or "host" for the host netns.
   */
  'name'?: (string);
  'host'?: (boolean);
  /**
   * The process whose /proc/PID/net tables were read for this netns.
   */
  'memberPid'?: (number);
  /**
   * Set when the netns could not be read (e.g. no process lives in it any more): why.
   */
  'unread'?: (string);
  '_name'?: "name";
  '_memberPid'?: "memberPid";
  '_unread'?: "unread";
}

export interface NetnsRef__Output {
  'inode': (string);
  /**
   * File name under a netns dir (e.g. cni-1234…), or "host" for the host netns.
   */
  'name'?: (string);
  'host': (boolean);
  /**
   * The process whose /proc/PID/net tables were read for this netns.
   */
  'memberPid'?: (number);
  /**
   * Set when the netns could not be read (e.g. no process lives in it any more): why.
   */
  'unread'?: (string);
  '_name'?: "name";
  '_memberPid'?: "memberPid";
  '_unread'?: "unread";
}
