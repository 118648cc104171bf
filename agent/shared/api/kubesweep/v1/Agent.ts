// Original file: proto/kubesweep/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CheckPortsRequest as _kubesweep_v1_CheckPortsRequest, CheckPortsRequest__Output as _kubesweep_v1_CheckPortsRequest__Output } from '../../kubesweep/v1/CheckPortsRequest';
import type { CheckPortsResponse as _kubesweep_v1_CheckPortsResponse, CheckPortsResponse__Output as _kubesweep_v1_CheckPortsResponse__Output } from '../../kubesweep/v1/CheckPortsResponse';
import type { InfoRequest as _kubesweep_v1_InfoRequest, InfoRequest__Output as _kubesweep_v1_InfoRequest__Output } from '../../kubesweep/v1/InfoRequest';
import type { InfoResponse as _kubesweep_v1_InfoResponse, InfoResponse__Output as _kubesweep_v1_InfoResponse__Output } from '../../kubesweep/v1/InfoResponse';
import type { InspectRequest as _kubesweep_v1_InspectRequest, InspectRequest__Output as _kubesweep_v1_InspectRequest__Output } from '../../kubesweep/v1/InspectRequest';
import type { InspectResponse as _kubesweep_v1_InspectResponse, InspectResponse__Output as _kubesweep_v1_InspectResponse__Output } from '../../kubesweep/v1/InspectResponse';
import type { ListPortsRequest as _kubesweep_v1_ListPortsRequest, ListPortsRequest__Output as _kubesweep_v1_ListPortsRequest__Output } from '../../kubesweep/v1/ListPortsRequest';
import type { ListPortsResponse as _kubesweep_v1_ListPortsResponse, ListPortsResponse__Output as _kubesweep_v1_ListPortsResponse__Output } from '../../kubesweep/v1/ListPortsResponse';
import type { ResetEvent as _kubesweep_v1_ResetEvent, ResetEvent__Output as _kubesweep_v1_ResetEvent__Output } from '../../kubesweep/v1/ResetEvent';
import type { ResetRequest as _kubesweep_v1_ResetRequest, ResetRequest__Output as _kubesweep_v1_ResetRequest__Output } from '../../kubesweep/v1/ResetRequest';
import type { RestoreManifestsRequest as _kubesweep_v1_RestoreManifestsRequest, RestoreManifestsRequest__Output as _kubesweep_v1_RestoreManifestsRequest__Output } from '../../kubesweep/v1/RestoreManifestsRequest';
import type { RestoreManifestsResponse as _kubesweep_v1_RestoreManifestsResponse, RestoreManifestsResponse__Output as _kubesweep_v1_RestoreManifestsResponse__Output } from '../../kubesweep/v1/RestoreManifestsResponse';
import type { StepRequest as _kubesweep_v1_StepRequest, StepRequest__Output as _kubesweep_v1_StepRequest__Output } from '../../kubesweep/v1/StepRequest';
import type { StepResponse as _kubesweep_v1_StepResponse, StepResponse__Output as _kubesweep_v1_StepResponse__Output } from '../../kubesweep/v1/StepResponse';

export interface AgentClient extends grpc.Client {
  CheckPorts(argument: _kubesweep_v1_CheckPortsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_CheckPortsResponse__Output>): grpc.ClientUnaryCall;
  CheckPorts(argument: _kubesweep_v1_CheckPortsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_CheckPortsResponse__Output>): grpc.ClientUnaryCall;
  CheckPorts(argument: _kubesweep_v1_CheckPortsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_CheckPortsResponse__Output>): grpc.ClientUnaryCall;
  CheckPorts(argument: _kubesweep_v1_CheckPortsRequest, callback: grpc.requestCallback<_kubesweep_v1_CheckPortsResponse__Output>): grpc.ClientUnaryCall;
  checkPorts(argument: _kubesweep_v1_CheckPortsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_CheckPortsResponse__Output>): grpc.ClientUnaryCall;
  checkPorts(argument: _kubesweep_v1_CheckPortsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_CheckPortsResponse__Output>): grpc.ClientUnaryCall;
  checkPorts(argument: _kubesweep_v1_CheckPortsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_CheckPortsResponse__Output>): grpc.ClientUnaryCall;
  checkPorts(argument: _kubesweep_v1_CheckPortsRequest, callback: grpc.requestCallback<_kubesweep_v1_CheckPortsResponse__Output>): grpc.ClientUnaryCall;
  
  Info(argument: _kubesweep_v1_InfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  Info(argument: _kubesweep_v1_InfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  Info(argument: _kubesweep_v1_InfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  Info(argument: _kubesweep_v1_InfoRequest, callback: grpc.requestCallback<_kubesweep_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  info(argument: _kubesweep_v1_InfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  info(argument: _kubesweep_v1_InfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  info(argument: _kubesweep_v1_InfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  info(argument: _kubesweep_v1_InfoRequest, callback: grpc.requestCallback<_kubesweep_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  
  Inspect(argument: _kubesweep_v1_InspectRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_InspectResponse__Output>): grpc.ClientUnaryCall;
  Inspect(argument: _kubesweep_v1_InspectRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_InspectResponse__Output>): grpc.ClientUnaryCall;
  Inspect(argument: _kubesweep_v1_InspectRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_InspectResponse__Output>): grpc.ClientUnaryCall;
  Inspect(argument: _kubesweep_v1_InspectRequest, callback: grpc.requestCallback<_kubesweep_v1_InspectResponse__Output>): grpc.ClientUnaryCall;
  inspect(argument: _kubesweep_v1_InspectRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_InspectResponse__Output>): grpc.ClientUnaryCall;
  inspect(argument: _kubesweep_v1_InspectRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_InspectResponse__Output>): grpc.ClientUnaryCall;
  inspect(argument: _kubesweep_v1_InspectRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_InspectResponse__Output>): grpc.ClientUnaryCall;
  inspect(argument: _kubesweep_v1_InspectRequest, callback: grpc.requestCallback<_kubesweep_v1_InspectResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Read-only.
   */
  ListPorts(argument: _kubesweep_v1_ListPortsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_ListPortsResponse__Output>): grpc.ClientUnaryCall;
  ListPorts(argument: _kubesweep_v1_ListPortsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_ListPortsResponse__Output>): grpc.ClientUnaryCall;
  ListPorts(argument: _kubesweep_v1_ListPortsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_ListPortsResponse__Output>): grpc.ClientUnaryCall;
  ListPorts(argument: _kubesweep_v1_ListPortsRequest, callback: grpc.requestCallback<_kubesweep_v1_ListPortsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Read-only.
   */
  listPorts(argument: _kubesweep_v1_ListPortsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_ListPortsResponse__Output>): grpc.ClientUnaryCall;
  listPorts(argument: _kubesweep_v1_ListPortsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_ListPortsResponse__Output>): grpc.ClientUnaryCall;
  listPorts(argument: _kubesweep_v1_ListPortsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_ListPortsResponse__Output>): grpc.ClientUnaryCall;
  listPorts(argument: _kubesweep_v1_ListPortsRequest, callback: grpc.requestCallback<_kubesweep_v1_ListPortsResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveNetns(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  RemoveNetns(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  RemoveNetns(argument: _kubesweep_v1_StepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  RemoveNetns(argument: _kubesweep_v1_StepRequest, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  removeNetns(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  removeNetns(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  removeNetns(argument: _kubesweep_v1_StepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  removeNetns(argument: _kubesweep_v1_StepRequest, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Whole reset: progress events as they happen, then exactly one final report.
   */
  Reset(argument: _kubesweep_v1_ResetRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kubesweep_v1_ResetEvent__Output>;
  Reset(argument: _kubesweep_v1_ResetRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kubesweep_v1_ResetEvent__Output>;
  /**
   * Whole reset: progress events as they happen, then exactly one final report.
   */
  reset(argument: _kubesweep_v1_ResetRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kubesweep_v1_ResetEvent__Output>;
  reset(argument: _kubesweep_v1_ResetRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kubesweep_v1_ResetEvent__Output>;
  
  RestoreManifests(argument: _kubesweep_v1_RestoreManifestsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_RestoreManifestsResponse__Output>): grpc.ClientUnaryCall;
  RestoreManifests(argument: _kubesweep_v1_RestoreManifestsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_RestoreManifestsResponse__Output>): grpc.ClientUnaryCall;
  RestoreManifests(argument: _kubesweep_v1_RestoreManifestsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_RestoreManifestsResponse__Output>): grpc.ClientUnaryCall;
  RestoreManifests(argument: _kubesweep_v1_RestoreManifestsRequest, callback: grpc.requestCallback<_kubesweep_v1_RestoreManifestsResponse__Output>): grpc.ClientUnaryCall;
  restoreManifests(argument: _kubesweep_v1_RestoreManifestsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_RestoreManifestsResponse__Output>): grpc.ClientUnaryCall;
  restoreManifests(argument: _kubesweep_v1_RestoreManifestsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_RestoreManifestsResponse__Output>): grpc.ClientUnaryCall;
  restoreManifests(argument: _kubesweep_v1_RestoreManifestsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_RestoreManifestsResponse__Output>): grpc.ClientUnaryCall;
  restoreManifests(argument: _kubesweep_v1_RestoreManifestsRequest, callback: grpc.requestCallback<_kubesweep_v1_RestoreManifestsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Single steps, with the same guard.
   */
  StopPods(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  StopPods(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  StopPods(argument: _kubesweep_v1_StepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  StopPods(argument: _kubesweep_v1_StepRequest, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Single steps, with the same guard.
   */
  stopPods(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  stopPods(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  stopPods(argument: _kubesweep_v1_StepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  stopPods(argument: _kubesweep_v1_StepRequest, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  
  WipeManifests(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  WipeManifests(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  WipeManifests(argument: _kubesweep_v1_StepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  WipeManifests(argument: _kubesweep_v1_StepRequest, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  wipeManifests(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  wipeManifests(argument: _kubesweep_v1_StepRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  wipeManifests(argument: _kubesweep_v1_StepRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  wipeManifests(argument: _kubesweep_v1_StepRequest, callback: grpc.requestCallback<_kubesweep_v1_StepResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  CheckPorts: grpc.handleUnaryCall<_kubesweep_v1_CheckPortsRequest__Output, _kubesweep_v1_CheckPortsResponse>;
  
  Info: grpc.handleUnaryCall<_kubesweep_v1_InfoRequest__Output, _kubesweep_v1_InfoResponse>;
  
  Inspect: grpc.handleUnaryCall<_kubesweep_v1_InspectRequest__Output, _kubesweep_v1_InspectResponse>;
  
  /**
   * Read-only.
   */
  ListPorts: grpc.handleUnaryCall<_kubesweep_v1_ListPortsRequest__Output, _kubesweep_v1_ListPortsResponse>;
  
  RemoveNetns: grpc.handleUnaryCall<_kubesweep_v1_StepRequest__Output, _kubesweep_v1_StepResponse>;
  
  /**
   * Whole reset: progress events as they happen, then exactly one final report.
   */
  Reset: grpc.handleServerStreamingCall<_kubesweep_v1_ResetRequest__Output, _kubesweep_v1_ResetEvent>;
  
  RestoreManifests: grpc.handleUnaryCall<_kubesweep_v1_RestoreManifestsRequest__Output, _kubesweep_v1_RestoreManifestsResponse>;
  
  /**
   * Single steps, with the same guard.
   */
  StopPods: grpc.handleUnaryCall<_kubesweep_v1_StepRequest__Output, _kubesweep_v1_StepResponse>;
  
  WipeManifests: grpc.handleUnaryCall<_kubesweep_v1_StepRequest__Output, _kubesweep_v1_StepResponse>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  CheckPorts: MethodDefinition<_kubesweep_v1_CheckPortsRequest, _kubesweep_v1_CheckPortsResponse, _kubesweep_v1_CheckPortsRequest__Output, _kubesweep_v1_CheckPortsResponse__Output>
  Info: MethodDefinition<_kubesweep_v1_InfoRequest, _kubesweep_v1_InfoResponse, _kubesweep_v1_InfoRequest__Output, _kubesweep_v1_InfoResponse__Output>
  Inspect: MethodDefinition<_kubesweep_v1_InspectRequest, _kubesweep_v1_InspectResponse, _kubesweep_v1_InspectRequest__Output, _kubesweep_v1_InspectResponse__Output>
  ListPorts: MethodDefinition<_kubesweep_v1_ListPortsRequest, _kubesweep_v1_ListPortsResponse, _kubesweep_v1_ListPortsRequest__Output, _kubesweep_v1_ListPortsResponse__Output>
  RemoveNetns: MethodDefinition<_kubesweep_v1_StepRequest, _kubesweep_v1_StepResponse, _kubesweep_v1_StepRequest__Output, _kubesweep_v1_StepResponse__Output>
  Reset: MethodDefinition<_kubesweep_v1_ResetRequest, _kubesweep_v1_ResetEvent, _kubesweep_v1_ResetRequest__Output, _kubesweep_v1_ResetEvent__Output>
  RestoreManifests: MethodDefinition<_kubesweep_v1_RestoreManifestsRequest, _kubesweep_v1_RestoreManifestsResponse, _kubesweep_v1_RestoreManifestsRequest__Output, _kubesweep_v1_RestoreManifestsResponse__Output>
  StopPods: MethodDefinition<_kubesweep_v1_StepRequest, _kubesweep_v1_StepResponse, _kubesweep_v1_StepRequest__Output, _kubesweep_v1_StepResponse__Output>
  WipeManifests: MethodDefinition<_kubesweep_v1_StepRequest, _kubesweep_v1_StepResponse, _kubesweep_v1_StepRequest__Output, _kubesweep_v1_StepResponse__Output>
}
