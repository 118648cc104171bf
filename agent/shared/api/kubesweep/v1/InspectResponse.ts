// Original file: proto/kubesweep/v1/agent.proto

import type { SandboxInfo as _kubesweep_v1_SandboxInfo, SandboxInfo__Output as _kubesweep_v1_SandboxInfo__Output } from '../../kubesweep/v1/SandboxInfo';
import type { ContainerInfo as _kubesweep_v1_ContainerInfo, ContainerInfo__Output as _kubesweep_v1_ContainerInfo__Output } from '../../kubesweep/v1/ContainerInfo';
import type { ShimInfo as _kubesweep_v1_ShimInfo, ShimInfo__Output as _kubesweep_v1_ShimInfo__Output } from '../../kubesweep/v1/ShimInfo';
import type { NetnsInfo as _kubesweep_v1_NetnsInfo, NetnsInfo__Output as _kubesweep_v1_NetnsInfo__Output } from '../../kubesweep/v1/NetnsInfo';
import type { ManifestInfo as _kubesweep_v1_ManifestInfo, ManifestInfo__Output as _kubesweep_v1_ManifestInfo__Output } from '../../kubesweep/v1/ManifestInfo';
import type { BackupInfo as _kubesweep_v1_BackupInfo, BackupInfo__Output as _kubesweep_v1_BackupInfo__Output } from '../../kubesweep/v1/BackupInfo';
import type { LinkInfo as _kubesweep_v1_LinkInfo, LinkInfo__Output as _kubesweep_v1_LinkInfo__Output } from '../../kubesweep/v1/LinkInfo';
import type { IpReservationInfo as _kubesweep_v1_IpReservationInfo, IpReservationInfo__Output as _kubesweep_v1_IpReservationInfo__Output } from '../../kubesweep/v1/IpReservationInfo';
import type { KubeletMountInfo as _kubesweep_v1_KubeletMountInfo, KubeletMountInfo__Output as _kubesweep_v1_KubeletMountInfo__Output } from '../../kubesweep/v1/KubeletMountInfo';
import type { CniConfigFileInfo as _kubesweep_v1_CniConfigFileInfo, CniConfigFileInfo__Output as _kubesweep_v1_CniConfigFileInfo__Output } from '../../kubesweep/v1/CniConfigFileInfo';
import type { FirewallTableInfo as _kubesweep_v1_FirewallTableInfo, FirewallTableInfo__Output as _kubesweep_v1_FirewallTableInfo__Output } from '../../kubesweep/v1/FirewallTableInfo';
import type { CniCacheFileInfo as _kubesweep_v1_CniCacheFileInfo, CniCacheFileInfo__Output as _kubesweep_v1_CniCacheFileInfo__Output } from '../../kubesweep/v1/CniCacheFileInfo';
import type { PodCgroupInfo as _kubesweep_v1_PodCgroupInfo, PodCgroupInfo__Output as _kubesweep_v1_PodCgroupInfo__Output } from '../../kubesweep/v1/PodCgroupInfo';
import type { EtcdDataInfo as _kubesweep_v1_EtcdDataInfo, EtcdDataInfo__Output as _kubesweep_v1_EtcdDataInfo__Output } from '../../kubesweep/v1/EtcdDataInfo';
import type { KubeletStateFileInfo as _kubesweep_v1_KubeletStateFileInfo, KubeletStateFileInfo__Output as _kubesweep_v1_KubeletStateFileInfo__Output } from '../../kubesweep/v1/KubeletStateFileInfo';

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
  /**
   * What a rejoin trips over, every kind whether a reset would clear it by default or not.
   */
  'links'?: (_kubesweep_v1_LinkInfo)[];
  'ipReservations'?: (_kubesweep_v1_IpReservationInfo)[];
  'kubeletMounts'?: (_kubesweep_v1_KubeletMountInfo)[];
  'kubeletPodDirs'?: (string)[];
  'cniConfigFiles'?: (_kubesweep_v1_CniConfigFileInfo)[];
  'firewall'?: (_kubesweep_v1_FirewallTableInfo)[];
  /**
   * enabled, disabled, not-found, other, or empty without systemd / no unit configured.
   */
  'kubeletUnitState'?: (string);
  /**
   * Parts that could not be read, each "kind: why".
   */
  'residueErrors'?: (string)[];
  'cniCacheFiles'?: (_kubesweep_v1_CniCacheFileInfo)[];
  /**
   * Configured dirs that contradict containerd, and learned dirs refused (as in Info).
   */
  'dirWarnings'?: (string)[];
  /**
   * Cgroups of pods and containers under the kubelet's pod hierarchy (kind pod-cgroups).
   */
  'podCgroups'?: (_kubesweep_v1_PodCgroupInfo)[];
  /**
   * etcd-data: the local etcd member's data dir (none, or one when a dir is configured).
   */
  'etcdData'?: (_kubesweep_v1_EtcdDataInfo)[];
  /**
   * kubelet-state: the kubelet's identity and checkpoint files present, and odd entries among them.
   */
  'kubeletStateFiles'?: (_kubesweep_v1_KubeletStateFileInfo)[];
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
  /**
   * What a rejoin trips over, every kind whether a reset would clear it by default or not.
   */
  'links': (_kubesweep_v1_LinkInfo__Output)[];
  'ipReservations': (_kubesweep_v1_IpReservationInfo__Output)[];
  'kubeletMounts': (_kubesweep_v1_KubeletMountInfo__Output)[];
  'kubeletPodDirs': (string)[];
  'cniConfigFiles': (_kubesweep_v1_CniConfigFileInfo__Output)[];
  'firewall': (_kubesweep_v1_FirewallTableInfo__Output)[];
  /**
   * enabled, disabled, not-found, other, or empty without systemd / no unit configured.
   */
  'kubeletUnitState': (string);
  /**
   * Parts that could not be read, each "kind: why".
   */
  'residueErrors': (string)[];
  'cniCacheFiles': (_kubesweep_v1_CniCacheFileInfo__Output)[];
  /**
   * Configured dirs that contradict containerd, and learned dirs refused (as in Info).
   */
  'dirWarnings': (string)[];
  /**
   * Cgroups of pods and containers under the kubelet's pod hierarchy (kind pod-cgroups).
   */
  'podCgroups': (_kubesweep_v1_PodCgroupInfo__Output)[];
  /**
   * etcd-data: the local etcd member's data dir (none, or one when a dir is configured).
   */
  'etcdData': (_kubesweep_v1_EtcdDataInfo__Output)[];
  /**
   * kubelet-state: the kubelet's identity and checkpoint files present, and odd entries among them.
   */
  'kubeletStateFiles': (_kubesweep_v1_KubeletStateFileInfo__Output)[];
  '_criError'?: "criError";
}
