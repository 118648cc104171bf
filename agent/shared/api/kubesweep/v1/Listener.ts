// Original file: proto/kubesweep/v1/agent.proto

import type { NetnsRef as _kubesweep_v1_NetnsRef, NetnsRef__Output as _kubesweep_v1_NetnsRef__Output } from '../../kubesweep/v1/NetnsRef';
import type { PortOwner as _kubesweep_v1_PortOwner, PortOwner__Output as _kubesweep_v1_PortOwner__Output } from '../../kubesweep/v1/PortOwner';
import type { Long } from '@grpc/proto-loader';

export interface Listener {
  /**
   * "tcp" or "udp".
   */
  'protocol'?: (string);
  'family'?: (number);
  'address'?: (string);
  'port'?: (number);
  'inode'?: (number | string | Long);
  'netns'?: (_kubesweep_v1_NetnsRef | null);
  'owners'?: (_kubesweep_v1_PortOwner)[];
}

export interface Listener__Output {
  /**
   * "tcp" or "udp".
   */
  'protocol': (string);
  'family': (number);
  'address': (string);
  'port': (number);
  'inode': (string);
  'netns': (_kubesweep_v1_NetnsRef__Output | null);
  'owners': (_kubesweep_v1_PortOwner__Output)[];
}
