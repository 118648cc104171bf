// Original file: proto/kubesweep/v1/agent.proto

import type { SandboxInfo as _kubesweep_v1_SandboxInfo, SandboxInfo__Output as _kubesweep_v1_SandboxInfo__Output } from '../../kubesweep/v1/SandboxInfo';
import type { ContainerInfo as _kubesweep_v1_ContainerInfo, ContainerInfo__Output as _kubesweep_v1_ContainerInfo__Output } from '../../kubesweep/v1/ContainerInfo';
import type { ShimInfo as _kubesweep_v1_ShimInfo, ShimInfo__Output as _kubesweep_v1_ShimInfo__Output } from '../../kubesweep/v1/ShimInfo';
import type { NetnsInfo as _kubesweep_v1_NetnsInfo, NetnsInfo__Output as _kubesweep_v1_NetnsInfo__Output } from '../../kubesweep/v1/NetnsInfo';
import type { ManifestInfo as _kubesweep_v1_ManifestInfo, ManifestInfo__Output as _kubesweep_v1_ManifestInfo__Output } from '../../kubesweep/v1/ManifestInfo';
import type { BackupInfo as _kubesweep_v1_BackupInfo, BackupInfo__Output as _kubesweep_v1_BackupInfo__Output } from '../../kubesweep/v1/BackupInfo';

export interface InspectResponse {
  'sandboxes'?: (_kubesweep_v1_SandboxInfo)[];
  'containers'?: (_kubesweep_v1_ContainerInfo)[];
  'shims'?: (_kubesweep_v1_ShimInfo)[];
  'netns'?: (_kubesweep_v1_NetnsInfo)[];
  'manifests'?: (_kubesweep_v1_ManifestInfo)[];
  'backups'?: (_kubesweep_v1_BackupInfo)[];
  /**
   * Set when the CRI could not be asked (sandboxes/containers are then empty).
   */
  'criError'?: (string);
  '_criError'?: "criError";
}

export interface InspectResponse__Output {
  'sandboxes': (_kubesweep_v1_SandboxInfo__Output)[];
  'containers': (_kubesweep_v1_ContainerInfo__Output)[];
  'shims': (_kubesweep_v1_ShimInfo__Output)[];
  'netns': (_kubesweep_v1_NetnsInfo__Output)[];
  'manifests': (_kubesweep_v1_ManifestInfo__Output)[];
  'backups': (_kubesweep_v1_BackupInfo__Output)[];
  /**
   * Set when the CRI could not be asked (sandboxes/containers are then empty).
   */
  'criError'?: (string);
  '_criError'?: "criError";
}
