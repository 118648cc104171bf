// Original file: proto/kubesweep/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface KubeletStateFileInfo {
  'path'?: (string);
  'size'?: (number | string | Long);
  'symlink'?: (boolean);
  /**
   * Set for an entry that is never touched (a symlink leading out, a FIFO, a mount), and why.
   */
  'odd'?: (string);
}

export interface KubeletStateFileInfo__Output {
  'path': (string);
  'size': (string);
  'symlink': (boolean);
  /**
   * Set for an entry that is never touched (a symlink leading out, a FIFO, a mount), and why.
   */
  'odd': (string);
}
