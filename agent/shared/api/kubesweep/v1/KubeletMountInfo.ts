// Original file: proto/kubesweep/v1/agent.proto


export interface KubeletMountInfo {
  'mountPoint'?: (string);
  'fsType'?: (string);
  'source'?: (string);
  'podUid'?: (string);
}

export interface KubeletMountInfo__Output {
  'mountPoint': (string);
  'fsType': (string);
  'source': (string);
  'podUid': (string);
}
