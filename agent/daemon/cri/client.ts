// The CRI client: one typed method per RuntimeService RPC kubesweep uses, over the runtime's
// unix socket. Every call carries its own deadline; every error names the RPC and the object
// id; NOT_FOUND on stop/remove means "already gone", which is what the caller wanted anyway.
import { existsSync, statSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ksError, KubesweepError } from '../../shared/errors';
import { grpcTarget, unixSocketPath } from '../../shared/endpoint';
import { loadProto } from '../../shared/grpc-load';
import type {
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStatusResponse,
  GoneOrDone,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatusResponse,
  RuntimeStatusResponse,
  VersionResponse,
} from './messages';

export interface CriClientOptions {
  /** `unix:///run/containerd/containerd.sock` (or a bare path). */
  endpoint: string;
  /** Default deadline of each call, ms. Stop/remove calls may be given longer ones. */
  timeoutMs?: number;
}

export interface CallOptions {
  timeoutMs?: number;
}

type Unary = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export const DEFAULT_CRI_TIMEOUT_MS = 10_000;

export class CriClient {
  readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly client: grpc.Client & Record<string, Unary>;

  constructor(opts: CriClientOptions) {
    this.endpoint = opts.endpoint;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_CRI_TIMEOUT_MS;
    const pkg = loadProto('cri/runtime/v1/runtime.proto') as unknown as {
      runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } };
    };
    const Ctor = pkg.runtime.v1.RuntimeService;
    this.client = new Ctor(grpcTarget(opts.endpoint), grpc.credentials.createInsecure(), {
      // Fail fast rather than queueing calls while the socket is absent.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    }) as grpc.Client & Record<string, Unary>;
  }

  close(): void {
    this.client.close();
  }

  async version(opts?: CallOptions): Promise<VersionResponse> {
    return (await this.call('Version', { version: 'v1' }, '', opts)) as VersionResponse;
  }

  /**
   * Runtime status. With `verbose`, containerd's `info` map carries `cniconfig`: the CNI
   * networks it has loaded from its conf dir right now (JSON), which is how a reload is seen.
   */
  async status(verbose = false, opts?: CallOptions): Promise<RuntimeStatusResponse> {
    return (await this.call('Status', { verbose }, '', opts)) as RuntimeStatusResponse;
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = '', opts?: CallOptions): Promise<string> {
    const res = (await this.call('RunPodSandbox', { config, runtimeHandler }, config.metadata.name, opts)) as { podSandboxId: string };
    return res.podSandboxId;
  }

  async stopPodSandbox(id: string, opts?: CallOptions): Promise<GoneOrDone> {
    return this.goneOrDone('StopPodSandbox', { podSandboxId: id }, id, opts);
  }

  async removePodSandbox(id: string, opts?: CallOptions): Promise<GoneOrDone> {
    return this.goneOrDone('RemovePodSandbox', { podSandboxId: id }, id, opts);
  }

  /** Status of a sandbox; undefined when the runtime no longer knows it. */
  async podSandboxStatus(id: string, verbose = false, opts?: CallOptions): Promise<PodSandboxStatusResponse | undefined> {
    try {
      return (await this.call('PodSandboxStatus', { podSandboxId: id, verbose }, id, opts)) as PodSandboxStatusResponse;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async listPodSandbox(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandbox[]> {
    const res = (await this.call('ListPodSandbox', filter ? { filter } : {}, '', opts)) as { items: PodSandbox[] };
    return res.items;
  }

  async createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
    opts?: CallOptions,
  ): Promise<string> {
    const res = (await this.call(
      'CreateContainer',
      { podSandboxId, config, sandboxConfig },
      `${podSandboxId}/${config.metadata.name}`,
      opts,
    )) as {
      containerId: string;
    };
    return res.containerId;
  }

  async startContainer(id: string, opts?: CallOptions): Promise<void> {
    await this.call('StartContainer', { containerId: id }, id, opts);
  }

  /**
   * Stop a container, giving it `graceSeconds` between SIGTERM and SIGKILL. The deadline is
   * stretched past the grace period, or the call would time out while the runtime waits.
   */
  async stopContainer(id: string, graceSeconds: number, opts?: CallOptions): Promise<GoneOrDone> {
    const timeoutMs = Math.max(opts?.timeoutMs ?? this.timeoutMs, graceSeconds * 1000 + 10_000);
    return this.goneOrDone('StopContainer', { containerId: id, timeout: String(graceSeconds) }, id, { timeoutMs });
  }

  async removeContainer(id: string, opts?: CallOptions): Promise<GoneOrDone> {
    return this.goneOrDone('RemoveContainer', { containerId: id }, id, opts);
  }

  async listContainers(filter?: ContainerFilter, opts?: CallOptions): Promise<Container[]> {
    const res = (await this.call('ListContainers', filter ? { filter } : {}, '', opts)) as { containers: Container[] };
    return res.containers;
  }

  /** Status of a container; undefined when the runtime no longer knows it. */
  async containerStatus(id: string, verbose = false, opts?: CallOptions): Promise<ContainerStatusResponse | undefined> {
    try {
      return (await this.call('ContainerStatus', { containerId: id, verbose }, id, opts)) as ContainerStatusResponse;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async goneOrDone(rpc: string, req: object, id: string, opts?: CallOptions): Promise<GoneOrDone> {
    try {
      await this.call(rpc, req, id, opts);
      return 'done';
    } catch (err) {
      if (isNotFound(err)) return 'gone';
      throw err;
    }
  }

  private call(rpc: string, req: object, id: string, opts?: CallOptions): Promise<unknown> {
    const timeoutMs = opts?.timeoutMs ?? this.timeoutMs;
    const what = id ? `CRI ${rpc}(${id})` : `CRI ${rpc}`;
    const sock = unixSocketPath(this.endpoint, { bare: true });
    if (sock !== undefined && !isSocket(sock)) {
      return Promise.reject(
        ksError('KS_CRI_UNAVAILABLE', `${what}: no CRI socket at ${sock} (is containerd running?)`, { rpc, id, endpoint: this.endpoint }),
      );
    }
    return new Promise((resolve, reject) => {
      const method = this.client[rpc];
      if (typeof method !== 'function') {
        reject(ksError('KS_INTERNAL', `${what}: the CRI client has no method ${rpc}`));
        return;
      }
      method.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(criError(what, rpc, id, this.endpoint, timeoutMs, err));
        else resolve(res);
      });
    });
  }
}

function isSocket(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isSocket();
  } catch {
    return false;
  }
}

function criError(what: string, rpc: string, id: string, endpoint: string, timeoutMs: number, err: grpc.ServiceError): KubesweepError {
  const details = { rpc, id, endpoint, grpcCode: err.code, grpcStatus: grpc.status[err.code] };
  switch (err.code) {
    case grpc.status.UNAVAILABLE:
      return ksError(
        'KS_CRI_UNAVAILABLE',
        `${what}: CRI endpoint ${endpoint} is not answering: ${err.details || err.message}`,
        details,
        err,
      );
    case grpc.status.DEADLINE_EXCEEDED:
      return ksError('KS_CRI_DEADLINE', `${what}: no answer within ${timeoutMs} ms`, details, err);
    default:
      return ksError('KS_CRI_CALL_FAILED', `${what} failed: ${grpc.status[err.code]}: ${err.details || err.message}`, details, err);
  }
}

/** True when a CRI error says the object does not exist (gRPC NOT_FOUND). */
export function isNotFound(err: unknown): boolean {
  if (err instanceof KubesweepError) return err.details.grpcCode === grpc.status.NOT_FOUND;
  return (err as { code?: number } | null)?.code === grpc.status.NOT_FOUND;
}
