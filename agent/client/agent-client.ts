// The kubesweep agent's client: one method per RPC of proto/kubesweep/v1/agent.proto, each
// returning the message as grpc-js decodes it, typed by the types generated from the proto
// (agent/shared/api/) — no hand-written copy to drift; `--json` renders it with
// shared/api-doc.ts exactly as the agent's HTTP side does. Failures come back as registry
// errors: KS_AGENT_UNREACHABLE when nothing answers, otherwise the agent's own code (guard,
// auth, lock …) when it sent one, else KS_AGENT_CALL_FAILED with the gRPC status.
import * as grpc from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../shared/api/agent';
import type { AgentClient as AgentStub } from '../shared/api/kubesweep/v1/Agent';
import { AGENT_PROTO } from '../shared/api-doc';
import type { Msg, Out } from '../shared/api-types';
import { ERRORS, ErrorCode, ksError, KubesweepError } from '../shared/errors';
import { loadProto } from '../shared/grpc-load';
import type { PodKind } from '../shared/pod-kind';
import { dialProbe } from './dial-probe';
import { tlsProbe } from './tls-probe';
import { channelOptions, credentialsFor, Endpoint, parseEndpoint, TlsFiles } from '../shared/endpoint';

export interface AgentClientOptions {
  endpoint: string;
  tls?: TlsFiles;
  /** How long to wait for the connection before calling the agent unreachable. */
  connectTimeoutMs?: number;
  /** Deadline of read-only calls. */
  readTimeoutMs?: number;
  /** Deadline of destructive calls (a reset waits out grace periods). */
  actionTimeoutMs?: number;
}

export interface GuardedRequest {
  confirmNode: string;
  dryRun?: boolean;
  scope?: readonly PodKind[];
  graceSeconds?: number;
}

export interface ResetRequest extends GuardedRequest {
  expectFreePorts?: readonly number[];
  withKinds?: readonly string[];
  withoutKinds?: readonly string[];
}

/** The unary RPCs, each with its request and decoded response. */
interface Unaries {
  StopPods: [Msg<'StepRequest'>, Out<'StepResponse'>];
  WipeManifests: [Msg<'StepRequest'>, Out<'StepResponse'>];
  RemoveNetns: [Msg<'StepRequest'>, Out<'StepResponse'>];
  RestoreManifests: [Msg<'RestoreManifestsRequest'>, Out<'RestoreManifestsResponse'>];
  ListPorts: [Msg<'ListPortsRequest'>, Out<'ListPortsResponse'>];
  CheckPorts: [Msg<'CheckPortsRequest'>, Out<'CheckPortsResponse'>];
  Inspect: [Msg<'InspectRequest'>, Out<'InspectResponse'>];
  Info: [Msg<'InfoRequest'>, Out<'InfoResponse'>];
}
type StepRpc = 'StopPods' | 'WipeManifests' | 'RemoveNetns';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export class AgentClient {
  readonly endpoint: Endpoint;
  private readonly stub: AgentStub;
  private readonly connectTimeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly actionTimeoutMs: number;
  private connected: Promise<void> | undefined;
  private readonly tls: TlsFiles | undefined;

  /** Throws KS_INVALID_ARGUMENT for a malformed endpoint or a TCP endpoint without TLS files. */
  constructor(opts: AgentClientOptions) {
    this.endpoint = parseEndpoint(opts.endpoint);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.readTimeoutMs = opts.readTimeoutMs ?? 120_000;
    this.actionTimeoutMs = opts.actionTimeoutMs ?? 3_600_000;
    this.tls = opts.tls;
    const creds = credentialsFor(this.endpoint, opts.tls);
    const Ctor = (loadProto(AGENT_PROTO) as unknown as ProtoGrpcType).kubesweep.v1.Agent;
    this.stub = new Ctor(this.endpoint.target, creds, channelOptions(opts.tls));
  }

  close(): void {
    this.stub.close();
  }

  /**
   * Resolves once the channel is up; KS_AGENT_UNREACHABLE otherwise. Called by every RPC. A
   * plain dial first (dial-probe.ts) turns refused / permission / DNS / route failures into an
   * immediate error with the OS's reason; on TCP one TLS handshake (tls-probe.ts) names a
   * certificate problem at once (KS_TLS_HANDSHAKE); gRPC then gets what is left of the timeout.
   */
  connect(): Promise<void> {
    this.connected ??= (async () => {
      const ep = this.endpoint;
      const deadline = Date.now() + this.connectTimeoutMs;
      await dialProbe(ep, deadline);
      if (ep.kind === 'tcp' && this.tls) await tlsProbe(ep, this.tls, deadline);
      await new Promise<void>((resolve, reject) => {
        this.stub.waitForReady(deadline, (err) => {
          if (!err) return resolve();
          reject(
            ksError(
              'KS_AGENT_UNREACHABLE',
              `cannot connect to ${ep.text} within ${this.connectTimeoutMs / 1000} s: ${err.message}`,
              { endpoint: ep.text },
              err,
            ),
          );
        });
      });
    })();
    return this.connected;
  }

  /** Whole reset: `onProgress` sees each event as the agent streams it; resolves with the final report. */
  async reset(req: ResetRequest, onProgress?: (ev: Out<'Progress'>) => void): Promise<Out<'ResetReport'>> {
    await this.connect();
    const wire: Msg<'ResetRequest'> = {
      confirmNode: req.confirmNode,
      dryRun: !!req.dryRun,
      scope: [...(req.scope ?? [])],
      expectFreePorts: [...(req.expectFreePorts ?? [])],
      withKinds: [...(req.withKinds ?? [])],
      withoutKinds: [...(req.withoutKinds ?? [])],
      ...(req.graceSeconds !== undefined ? { graceSeconds: req.graceSeconds } : {}),
    };
    return new Promise<Out<'ResetReport'>>((resolve, reject) => {
      let report: Out<'ResetReport'> | undefined;
      let settled = false;
      const call = this.stub.Reset(wire, new grpc.Metadata(), { deadline: Date.now() + this.actionTimeoutMs });
      call.on('data', (ev: Out<'ResetEvent'>) => {
        if (ev.progress) onProgress?.(ev.progress);
        else if (ev.report) report = ev.report;
      });
      call.on('error', (err: grpc.ServiceError) => {
        if (settled) return;
        settled = true;
        reject(this.callError('Reset', err));
      });
      call.on('end', () => {
        if (settled) return;
        settled = true;
        if (report) resolve(report);
        else
          reject(
            ksError('KS_AGENT_CALL_FAILED', `${this.endpoint.text}: Reset stream ended without a report`, {
              endpoint: this.endpoint.text,
              rpc: 'Reset',
            }),
          );
      });
    });
  }

  stopPods(req: GuardedRequest): Promise<Out<'ResetReport'>> {
    return this.step('StopPods', req);
  }

  wipeManifests(req: GuardedRequest): Promise<Out<'ResetReport'>> {
    return this.step('WipeManifests', req);
  }

  removeNetns(req: GuardedRequest): Promise<Out<'ResetReport'>> {
    return this.step('RemoveNetns', req);
  }

  restoreManifests(confirmNode: string, backupId?: string): Promise<Out<'RestoreManifestsResponse'>> {
    return this.unary('RestoreManifests', { confirmNode, backupId: backupId ?? '' }, this.actionTimeoutMs);
  }

  listPorts(allNetns = false): Promise<Out<'ListPortsResponse'>> {
    return this.unary('ListPorts', { allNetns }, this.readTimeoutMs);
  }

  checkPorts(ports: readonly number[] = []): Promise<Out<'CheckPortsResponse'>> {
    return this.unary('CheckPorts', { ports: [...ports] }, this.readTimeoutMs);
  }

  inspect(): Promise<Out<'InspectResponse'>> {
    return this.unary('Inspect', {}, this.readTimeoutMs);
  }

  info(): Promise<Out<'InfoResponse'>> {
    return this.unary('Info', {}, this.readTimeoutMs);
  }

  private async step(rpc: StepRpc, req: GuardedRequest): Promise<Out<'ResetReport'>> {
    const wire: Msg<'StepRequest'> = {
      confirmNode: req.confirmNode,
      dryRun: !!req.dryRun,
      scope: [...(req.scope ?? [])],
      ...(req.graceSeconds !== undefined ? { graceSeconds: req.graceSeconds } : {}),
    };
    const res = await this.unary(rpc, wire, this.actionTimeoutMs);
    if (!res.report)
      throw ksError('KS_AGENT_CALL_FAILED', `${this.endpoint.text}: ${rpc} answered without a report`, {
        endpoint: this.endpoint.text,
        rpc,
      });
    return res.report;
  }

  private async unary<R extends keyof Unaries>(rpc: R, req: Unaries[R][0], timeoutMs: number): Promise<Unaries[R][1]> {
    await this.connect();
    // Each stub method has its own overloads; called through one signature they are the same.
    const method = this.stub[rpc] as unknown as (
      req: Unaries[R][0],
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: grpc.requestCallback<Unaries[R][1]>,
    ) => grpc.ClientUnaryCall;
    return new Promise((resolve, reject) => {
      method.call(this.stub, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(this.callError(rpc, err));
        else if (res) resolve(res);
        else
          reject(ksError('KS_AGENT_CALL_FAILED', `${this.endpoint.text}: ${rpc} answered nothing`, { endpoint: this.endpoint.text, rpc }));
      });
    });
  }

  private callError(rpc: string, err: grpc.ServiceError): KubesweepError {
    const ep = this.endpoint.text;
    const text = err.details || err.message;
    const details = { endpoint: ep, rpc, grpcStatus: grpc.status[err.code] ?? String(err.code) };
    const code = agentErrorCode(err);
    if (code) return ksError(code, stripCode(text, code), details, err);
    if (err.code === grpc.status.UNAVAILABLE)
      return ksError('KS_AGENT_UNREACHABLE', `${ep}: ${rpc}: agent unavailable: ${text}`, details, err);
    return ksError('KS_AGENT_CALL_FAILED', `${ep}: ${rpc} failed: ${grpc.status[err.code] ?? err.code}: ${text}`, details, err);
  }
}

/**
 * The agent's registry code for a failed call: from the `ks-code` trailer when the agent sends
 * one, else from a `KS_…` token in the status message.
 */
export function agentErrorCode(err: { metadata?: grpc.Metadata; details?: string; message?: string }): ErrorCode | undefined {
  const fromMd = err.metadata?.get('ks-code')?.[0];
  const candidates = [
    typeof fromMd === 'string' ? fromMd : fromMd?.toString(),
    ...((err.details || err.message || '').match(/\bKS_[A-Z_]+\b/g) ?? []),
  ];
  for (const c of candidates) if (c && c in ERRORS) return c as ErrorCode;
  return undefined;
}

function stripCode(text: string, code: string): string {
  const t = text.replace(new RegExp(`^\\s*\\[?${code}\\]?[:\\s]*`), '').trim();
  return t || ERRORS[code as ErrorCode].summary;
}
