// Original file: proto/kubesweep/v1/agent.proto


export interface RestoreManifestsRequest {
  'confirmNode'?: (string);
  /**
   * Empty = the newest backup.
   */
  'backupId'?: (string);
}

export interface RestoreManifestsRequest__Output {
  'confirmNode': (string);
  /**
   * Empty = the newest backup.
   */
  'backupId': (string);
}
