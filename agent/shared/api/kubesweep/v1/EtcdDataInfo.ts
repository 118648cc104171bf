// Original file: proto/kubesweep/v1/agent.proto


export interface EtcdDataInfo {
  'dir'?: (string);
  'present'?: (boolean);
  /**
   * Entries in member/: an etcd started on the dir comes up as that member.
   */
  'memberEntries'?: (number);
  /**
   * Earlier moves: kubesweep-backup-<id>/ dirs inside it.
   */
  'backups'?: (string)[];
  /**
   * What runs on it: holders (pid, command, file) and listeners on etcd's ports.
   */
  'inUse'?: (string)[];
}

export interface EtcdDataInfo__Output {
  'dir': (string);
  'present': (boolean);
  /**
   * Entries in member/: an etcd started on the dir comes up as that member.
   */
  'memberEntries': (number);
  /**
   * Earlier moves: kubesweep-backup-<id>/ dirs inside it.
   */
  'backups': (string)[];
  /**
   * What runs on it: holders (pid, command, file) and listeners on etcd's ports.
   */
  'inUse': (string)[];
}
