// Original file: proto/kubesweep/v1/agent.proto


export interface RestoreManifestsResponse {
  'backupId'?: (string);
  'restored'?: (string)[];
  /**
   * Already present with identical content.
   */
  'unchanged'?: (string)[];
}

export interface RestoreManifestsResponse__Output {
  'backupId': (string);
  'restored': (string)[];
  /**
   * Already present with identical content.
   */
  'unchanged': (string)[];
}
