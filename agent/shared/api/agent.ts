import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ActionResult as _kubesweep_v1_ActionResult, ActionResult__Output as _kubesweep_v1_ActionResult__Output } from './kubesweep/v1/ActionResult';
import type { AgentClient as _kubesweep_v1_AgentClient, AgentDefinition as _kubesweep_v1_AgentDefinition } from './kubesweep/v1/Agent';
import type { BackupInfo as _kubesweep_v1_BackupInfo, BackupInfo__Output as _kubesweep_v1_BackupInfo__Output } from './kubesweep/v1/BackupInfo';
import type { CheckPortsRequest as _kubesweep_v1_CheckPortsRequest, CheckPortsRequest__Output as _kubesweep_v1_CheckPortsRequest__Output } from './kubesweep/v1/CheckPortsRequest';
import type { CheckPortsResponse as _kubesweep_v1_CheckPortsResponse, CheckPortsResponse__Output as _kubesweep_v1_CheckPortsResponse__Output } from './kubesweep/v1/CheckPortsResponse';
import type { CniCacheFileInfo as _kubesweep_v1_CniCacheFileInfo, CniCacheFileInfo__Output as _kubesweep_v1_CniCacheFileInfo__Output } from './kubesweep/v1/CniCacheFileInfo';
import type { CniConfigFileInfo as _kubesweep_v1_CniConfigFileInfo, CniConfigFileInfo__Output as _kubesweep_v1_CniConfigFileInfo__Output } from './kubesweep/v1/CniConfigFileInfo';
import type { ContainerInfo as _kubesweep_v1_ContainerInfo, ContainerInfo__Output as _kubesweep_v1_ContainerInfo__Output } from './kubesweep/v1/ContainerInfo';
import type { DirInfo as _kubesweep_v1_DirInfo, DirInfo__Output as _kubesweep_v1_DirInfo__Output } from './kubesweep/v1/DirInfo';
import type { EtcdDataInfo as _kubesweep_v1_EtcdDataInfo, EtcdDataInfo__Output as _kubesweep_v1_EtcdDataInfo__Output } from './kubesweep/v1/EtcdDataInfo';
import type { FirewallTableInfo as _kubesweep_v1_FirewallTableInfo, FirewallTableInfo__Output as _kubesweep_v1_FirewallTableInfo__Output } from './kubesweep/v1/FirewallTableInfo';
import type { InfoRequest as _kubesweep_v1_InfoRequest, InfoRequest__Output as _kubesweep_v1_InfoRequest__Output } from './kubesweep/v1/InfoRequest';
import type { InfoResponse as _kubesweep_v1_InfoResponse, InfoResponse__Output as _kubesweep_v1_InfoResponse__Output } from './kubesweep/v1/InfoResponse';
import type { InspectRequest as _kubesweep_v1_InspectRequest, InspectRequest__Output as _kubesweep_v1_InspectRequest__Output } from './kubesweep/v1/InspectRequest';
import type { InspectResponse as _kubesweep_v1_InspectResponse, InspectResponse__Output as _kubesweep_v1_InspectResponse__Output } from './kubesweep/v1/InspectResponse';
import type { IpReservationInfo as _kubesweep_v1_IpReservationInfo, IpReservationInfo__Output as _kubesweep_v1_IpReservationInfo__Output } from './kubesweep/v1/IpReservationInfo';
import type { KubeletMountInfo as _kubesweep_v1_KubeletMountInfo, KubeletMountInfo__Output as _kubesweep_v1_KubeletMountInfo__Output } from './kubesweep/v1/KubeletMountInfo';
import type { KubeletStateFileInfo as _kubesweep_v1_KubeletStateFileInfo, KubeletStateFileInfo__Output as _kubesweep_v1_KubeletStateFileInfo__Output } from './kubesweep/v1/KubeletStateFileInfo';
import type { LinkInfo as _kubesweep_v1_LinkInfo, LinkInfo__Output as _kubesweep_v1_LinkInfo__Output } from './kubesweep/v1/LinkInfo';
import type { ListPortsRequest as _kubesweep_v1_ListPortsRequest, ListPortsRequest__Output as _kubesweep_v1_ListPortsRequest__Output } from './kubesweep/v1/ListPortsRequest';
import type { ListPortsResponse as _kubesweep_v1_ListPortsResponse, ListPortsResponse__Output as _kubesweep_v1_ListPortsResponse__Output } from './kubesweep/v1/ListPortsResponse';
import type { Listener as _kubesweep_v1_Listener, Listener__Output as _kubesweep_v1_Listener__Output } from './kubesweep/v1/Listener';
import type { ManifestInfo as _kubesweep_v1_ManifestInfo, ManifestInfo__Output as _kubesweep_v1_ManifestInfo__Output } from './kubesweep/v1/ManifestInfo';
import type { NetnsInfo as _kubesweep_v1_NetnsInfo, NetnsInfo__Output as _kubesweep_v1_NetnsInfo__Output } from './kubesweep/v1/NetnsInfo';
import type { NetnsRef as _kubesweep_v1_NetnsRef, NetnsRef__Output as _kubesweep_v1_NetnsRef__Output } from './kubesweep/v1/NetnsRef';
import type { NodeFacts as _kubesweep_v1_NodeFacts, NodeFacts__Output as _kubesweep_v1_NodeFacts__Output } from './kubesweep/v1/NodeFacts';
import type { Plan as _kubesweep_v1_Plan, Plan__Output as _kubesweep_v1_Plan__Output } from './kubesweep/v1/Plan';
import type { PlannedAction as _kubesweep_v1_PlannedAction, PlannedAction__Output as _kubesweep_v1_PlannedAction__Output } from './kubesweep/v1/PlannedAction';
import type { PlannedStep as _kubesweep_v1_PlannedStep, PlannedStep__Output as _kubesweep_v1_PlannedStep__Output } from './kubesweep/v1/PlannedStep';
import type { PodCgroupInfo as _kubesweep_v1_PodCgroupInfo, PodCgroupInfo__Output as _kubesweep_v1_PodCgroupInfo__Output } from './kubesweep/v1/PodCgroupInfo';
import type { PodRef as _kubesweep_v1_PodRef, PodRef__Output as _kubesweep_v1_PodRef__Output } from './kubesweep/v1/PodRef';
import type { PortCheckResult as _kubesweep_v1_PortCheckResult, PortCheckResult__Output as _kubesweep_v1_PortCheckResult__Output } from './kubesweep/v1/PortCheckResult';
import type { PortOwner as _kubesweep_v1_PortOwner, PortOwner__Output as _kubesweep_v1_PortOwner__Output } from './kubesweep/v1/PortOwner';
import type { ProcessRef as _kubesweep_v1_ProcessRef, ProcessRef__Output as _kubesweep_v1_ProcessRef__Output } from './kubesweep/v1/ProcessRef';
import type { Progress as _kubesweep_v1_Progress, Progress__Output as _kubesweep_v1_Progress__Output } from './kubesweep/v1/Progress';
import type { ResetEvent as _kubesweep_v1_ResetEvent, ResetEvent__Output as _kubesweep_v1_ResetEvent__Output } from './kubesweep/v1/ResetEvent';
import type { ResetReport as _kubesweep_v1_ResetReport, ResetReport__Output as _kubesweep_v1_ResetReport__Output } from './kubesweep/v1/ResetReport';
import type { ResetRequest as _kubesweep_v1_ResetRequest, ResetRequest__Output as _kubesweep_v1_ResetRequest__Output } from './kubesweep/v1/ResetRequest';
import type { Residue as _kubesweep_v1_Residue, Residue__Output as _kubesweep_v1_Residue__Output } from './kubesweep/v1/Residue';
import type { RestoreManifestsRequest as _kubesweep_v1_RestoreManifestsRequest, RestoreManifestsRequest__Output as _kubesweep_v1_RestoreManifestsRequest__Output } from './kubesweep/v1/RestoreManifestsRequest';
import type { RestoreManifestsResponse as _kubesweep_v1_RestoreManifestsResponse, RestoreManifestsResponse__Output as _kubesweep_v1_RestoreManifestsResponse__Output } from './kubesweep/v1/RestoreManifestsResponse';
import type { SandboxInfo as _kubesweep_v1_SandboxInfo, SandboxInfo__Output as _kubesweep_v1_SandboxInfo__Output } from './kubesweep/v1/SandboxInfo';
import type { ShimInfo as _kubesweep_v1_ShimInfo, ShimInfo__Output as _kubesweep_v1_ShimInfo__Output } from './kubesweep/v1/ShimInfo';
import type { StepRequest as _kubesweep_v1_StepRequest, StepRequest__Output as _kubesweep_v1_StepRequest__Output } from './kubesweep/v1/StepRequest';
import type { StepResponse as _kubesweep_v1_StepResponse, StepResponse__Output as _kubesweep_v1_StepResponse__Output } from './kubesweep/v1/StepResponse';
import type { StepResult as _kubesweep_v1_StepResult, StepResult__Output as _kubesweep_v1_StepResult__Output } from './kubesweep/v1/StepResult';
import type { Verification as _kubesweep_v1_Verification, Verification__Output as _kubesweep_v1_Verification__Output } from './kubesweep/v1/Verification';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  kubesweep: {
    v1: {
      ActionResult: MessageTypeDefinition<_kubesweep_v1_ActionResult, _kubesweep_v1_ActionResult__Output>
      Agent: SubtypeConstructor<typeof grpc.Client, _kubesweep_v1_AgentClient> & { service: _kubesweep_v1_AgentDefinition }
      BackupInfo: MessageTypeDefinition<_kubesweep_v1_BackupInfo, _kubesweep_v1_BackupInfo__Output>
      CheckPortsRequest: MessageTypeDefinition<_kubesweep_v1_CheckPortsRequest, _kubesweep_v1_CheckPortsRequest__Output>
      CheckPortsResponse: MessageTypeDefinition<_kubesweep_v1_CheckPortsResponse, _kubesweep_v1_CheckPortsResponse__Output>
      CniCacheFileInfo: MessageTypeDefinition<_kubesweep_v1_CniCacheFileInfo, _kubesweep_v1_CniCacheFileInfo__Output>
      CniConfigFileInfo: MessageTypeDefinition<_kubesweep_v1_CniConfigFileInfo, _kubesweep_v1_CniConfigFileInfo__Output>
      ContainerInfo: MessageTypeDefinition<_kubesweep_v1_ContainerInfo, _kubesweep_v1_ContainerInfo__Output>
      DirInfo: MessageTypeDefinition<_kubesweep_v1_DirInfo, _kubesweep_v1_DirInfo__Output>
      EtcdDataInfo: MessageTypeDefinition<_kubesweep_v1_EtcdDataInfo, _kubesweep_v1_EtcdDataInfo__Output>
      FirewallTableInfo: MessageTypeDefinition<_kubesweep_v1_FirewallTableInfo, _kubesweep_v1_FirewallTableInfo__Output>
      InfoRequest: MessageTypeDefinition<_kubesweep_v1_InfoRequest, _kubesweep_v1_InfoRequest__Output>
      InfoResponse: MessageTypeDefinition<_kubesweep_v1_InfoResponse, _kubesweep_v1_InfoResponse__Output>
      InspectRequest: MessageTypeDefinition<_kubesweep_v1_InspectRequest, _kubesweep_v1_InspectRequest__Output>
      InspectResponse: MessageTypeDefinition<_kubesweep_v1_InspectResponse, _kubesweep_v1_InspectResponse__Output>
      IpReservationInfo: MessageTypeDefinition<_kubesweep_v1_IpReservationInfo, _kubesweep_v1_IpReservationInfo__Output>
      KubeletMountInfo: MessageTypeDefinition<_kubesweep_v1_KubeletMountInfo, _kubesweep_v1_KubeletMountInfo__Output>
      KubeletStateFileInfo: MessageTypeDefinition<_kubesweep_v1_KubeletStateFileInfo, _kubesweep_v1_KubeletStateFileInfo__Output>
      LinkInfo: MessageTypeDefinition<_kubesweep_v1_LinkInfo, _kubesweep_v1_LinkInfo__Output>
      ListPortsRequest: MessageTypeDefinition<_kubesweep_v1_ListPortsRequest, _kubesweep_v1_ListPortsRequest__Output>
      ListPortsResponse: MessageTypeDefinition<_kubesweep_v1_ListPortsResponse, _kubesweep_v1_ListPortsResponse__Output>
      Listener: MessageTypeDefinition<_kubesweep_v1_Listener, _kubesweep_v1_Listener__Output>
      ManifestInfo: MessageTypeDefinition<_kubesweep_v1_ManifestInfo, _kubesweep_v1_ManifestInfo__Output>
      NetnsInfo: MessageTypeDefinition<_kubesweep_v1_NetnsInfo, _kubesweep_v1_NetnsInfo__Output>
      NetnsRef: MessageTypeDefinition<_kubesweep_v1_NetnsRef, _kubesweep_v1_NetnsRef__Output>
      NodeFacts: MessageTypeDefinition<_kubesweep_v1_NodeFacts, _kubesweep_v1_NodeFacts__Output>
      Plan: MessageTypeDefinition<_kubesweep_v1_Plan, _kubesweep_v1_Plan__Output>
      PlannedAction: MessageTypeDefinition<_kubesweep_v1_PlannedAction, _kubesweep_v1_PlannedAction__Output>
      PlannedStep: MessageTypeDefinition<_kubesweep_v1_PlannedStep, _kubesweep_v1_PlannedStep__Output>
      PodCgroupInfo: MessageTypeDefinition<_kubesweep_v1_PodCgroupInfo, _kubesweep_v1_PodCgroupInfo__Output>
      PodRef: MessageTypeDefinition<_kubesweep_v1_PodRef, _kubesweep_v1_PodRef__Output>
      PortCheckResult: MessageTypeDefinition<_kubesweep_v1_PortCheckResult, _kubesweep_v1_PortCheckResult__Output>
      PortOwner: MessageTypeDefinition<_kubesweep_v1_PortOwner, _kubesweep_v1_PortOwner__Output>
      ProcessRef: MessageTypeDefinition<_kubesweep_v1_ProcessRef, _kubesweep_v1_ProcessRef__Output>
      Progress: MessageTypeDefinition<_kubesweep_v1_Progress, _kubesweep_v1_Progress__Output>
      ResetEvent: MessageTypeDefinition<_kubesweep_v1_ResetEvent, _kubesweep_v1_ResetEvent__Output>
      ResetReport: MessageTypeDefinition<_kubesweep_v1_ResetReport, _kubesweep_v1_ResetReport__Output>
      ResetRequest: MessageTypeDefinition<_kubesweep_v1_ResetRequest, _kubesweep_v1_ResetRequest__Output>
      Residue: MessageTypeDefinition<_kubesweep_v1_Residue, _kubesweep_v1_Residue__Output>
      RestoreManifestsRequest: MessageTypeDefinition<_kubesweep_v1_RestoreManifestsRequest, _kubesweep_v1_RestoreManifestsRequest__Output>
      RestoreManifestsResponse: MessageTypeDefinition<_kubesweep_v1_RestoreManifestsResponse, _kubesweep_v1_RestoreManifestsResponse__Output>
      SandboxInfo: MessageTypeDefinition<_kubesweep_v1_SandboxInfo, _kubesweep_v1_SandboxInfo__Output>
      ShimInfo: MessageTypeDefinition<_kubesweep_v1_ShimInfo, _kubesweep_v1_ShimInfo__Output>
      StepRequest: MessageTypeDefinition<_kubesweep_v1_StepRequest, _kubesweep_v1_StepRequest__Output>
      StepResponse: MessageTypeDefinition<_kubesweep_v1_StepResponse, _kubesweep_v1_StepResponse__Output>
      StepResult: MessageTypeDefinition<_kubesweep_v1_StepResult, _kubesweep_v1_StepResult__Output>
      Verification: MessageTypeDefinition<_kubesweep_v1_Verification, _kubesweep_v1_Verification__Output>
    }
  }
}

