// The gRPC side: one grpc-js Server per transport (unix socket → admin peers; TCP → mutual TLS
// only), each serving kubesweep.v1.Agent through the adapter plus grpc.health.v1. A separate
// server per transport means a plaintext call can only ever have come through the socket.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type pino from 'pino';
import type { ProtoGrpcType } from '../../shared/api/agent';
import type { AgentDefinition, AgentHandlers as AgentImplementation } from '../../shared/api/kubesweep/v1/Agent';
import { AGENT_PROTO } from '../../shared/api-doc';
import type { AgentConfig, ListenAddress } from '../config';
import type { DestructiveLock } from '../destructive-lock';
import { ksError } from '../../shared/errors';
import { loadProto } from '../../shared/grpc-load';
import { adaptServerStream, adaptUnary, tolerantDeserializer, type AdapterDeps } from './adapter';
import type { Transport } from './auth';
import type { AgentHandlers } from './service';
import { DEFAULT_GRPC_READ_LIMITS, ReadAdmission, type ReadLimits } from './limits';
import { TlsReloader } from './tls-reload';

export const AGENT_SERVICE = 'kubesweep.v1.Agent';
const MAX_SEND_BYTES = 32 * 1024 * 1024;
/**
 * Per connection: concurrent streams, and the memory its queued, unread responses may hold
 * (MB; beyond it new streams are refused with RESOURCE_EXHAUSTED). grpc-js leaves the latter
 * unlimited by default.
 */
export const MAX_CONCURRENT_STREAMS = 64;
export const MAX_SESSION_MEMORY_MB = 32;

/** The Agent service definition with deserializers that never throw (see adapter.ts). */
export function agentServiceDefinition(): AgentDefinition {
  const def = (loadProto(AGENT_PROTO) as unknown as ProtoGrpcType).kubesweep.v1.Agent.service;
  const out: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const [name, m] of Object.entries(def as grpc.ServiceDefinition)) {
    out[name] = { ...m, requestDeserialize: tolerantDeserializer(m.requestDeserialize) };
  }
  return out as unknown as AgentDefinition;
}

export function agentImplementation(handlers: AgentHandlers, deps: AdapterDeps): AgentImplementation {
  return {
    Reset: adaptServerStream('Reset', deps, handlers.Reset),
    StopPods: adaptUnary('StopPods', deps, handlers.StopPods),
    WipeManifests: adaptUnary('WipeManifests', deps, handlers.WipeManifests),
    RemoveNetns: adaptUnary('RemoveNetns', deps, handlers.RemoveNetns),
    RestoreManifests: adaptUnary('RestoreManifests', deps, handlers.RestoreManifests),
    ListPorts: adaptUnary('ListPorts', deps, handlers.ListPorts),
    CheckPorts: adaptUnary('CheckPorts', deps, handlers.CheckPorts),
    Inspect: adaptUnary('Inspect', deps, handlers.Inspect),
    Info: adaptUnary('Info', deps, handlers.Info),
  };
}

export interface GrpcServers {
  /** The addresses actually bound (`unix:///…`, `host:port`). */
  bound: string[];
  setServing(serving: boolean): void;
  /** Re-read the TLS files now (SIGHUP); a no-op without TCP listeners. */
  reloadTls(why: string): void;
  /** Stop accepting new calls; resolves when running calls have finished (or after timeoutMs, forcibly). */
  shutdown(timeoutMs: number): Promise<void>;
}

export interface GrpcStartDeps {
  config: AgentConfig;
  handlers: AgentHandlers;
  log: pino.Logger;
  isShuttingDown: () => boolean;
  onCallDone?: (method: string, code: string, durationMs: number) => void;
  onTlsReload?: (result: 'reloaded' | 'unchanged' | 'failed' | 'loaded', ms: number, certNotAfter: string) => void;
  readLimits?: ReadLimits;
  /** The agent's one destructive lock: the sweep engine's too. */
  lock: DestructiveLock;
}

export async function startGrpcServers(deps: GrpcStartDeps): Promise<GrpcServers> {
  const { config, log } = deps;
  const byTransport: Record<Transport, ListenAddress[]> = { unix: [], tls: [] };
  for (const l of config.listen) byTransport[l.kind === 'unix' ? 'unix' : 'tls'].push(l);

  const servers: grpc.Server[] = [];
  const healths: HealthImplementation[] = [];
  const bound: string[] = [];
  const socketPaths: string[] = [];
  const serviceDef = agentServiceDefinition();
  let reloader: TlsReloader | undefined;
  // One admission for every transport: a flood over TCP and one over the socket share a budget.
  const admission = new ReadAdmission('gRPC', deps.readLimits ?? DEFAULT_GRPC_READ_LIMITS);
  try {
    for (const transport of ['unix', 'tls'] as const) {
      const addrs = byTransport[transport];
      if (addrs.length === 0) continue;
      const server = new grpc.Server({
        'grpc.max_receive_message_length': config.maxRequestBytes,
        'grpc.max_send_message_length': MAX_SEND_BYTES,
        'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS,
        'grpc-node.max_session_memory': MAX_SESSION_MEMORY_MB,
      });
      const health = new HealthImplementation({ '': 'NOT_SERVING', [AGENT_SERVICE]: 'NOT_SERVING' });
      health.addToServer(server);
      server.addService(
        serviceDef,
        agentImplementation(deps.handlers, {
          transport,
          roles: config.roles,
          log,
          localName: transport === 'unix' ? addrs.map((a) => a.raw).join(',') : undefined,
          isShuttingDown: deps.isShuttingDown,
          onCallDone: deps.onCallDone,
          admission,
          nodeName: config.nodeName,
          lock: deps.lock,
        }),
      );
      servers.push(server);
      healths.push(health);
      for (const addr of addrs) {
        if (addr.kind === 'unix') {
          await prepareUnixSocket(addr.path);
          // Bind under a tight umask so the socket is never reachable by others, not even briefly.
          const old = process.umask(0o177);
          try {
            await bindAsync(server, `unix://${addr.path}`, grpc.ServerCredentials.createInsecure());
          } finally {
            process.umask(old);
          }
          chmodSync(addr.path, 0o600);
          socketPaths.push(addr.path);
          bound.push(`unix://${addr.path}`);
        } else {
          const tls = config.tls;
          if (!tls) throw ksError('KS_CONFIG_INVALID', `refusing TCP listener ${addr.raw} without mutual TLS`);
          // One set of credentials for every TCP listener: one reload serves them all.
          if (!reloader) {
            reloader = new TlsReloader({ files: tls, log, onReload: (r, ms, serving) => deps.onTlsReload?.(r, ms, serving.notAfter) });
            deps.onTlsReload?.('loaded', 0, reloader.summary.notAfter);
          }
          const creds = reloader.credentials;
          const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
          const port = await bindAsync(server, `${host}:${addr.port}`, creds);
          bound.push(`${host}:${port}`);
        }
      }
    }
  } catch (err) {
    for (const s of servers) s.forceShutdown();
    removeSockets(socketPaths);
    reloader?.close();
    throw err;
  }
  reloader?.watch();

  return {
    bound,
    setServing(serving) {
      for (const h of healths) {
        h.setStatus('', serving ? 'SERVING' : 'NOT_SERVING');
        h.setStatus(AGENT_SERVICE, serving ? 'SERVING' : 'NOT_SERVING');
      }
    },
    reloadTls(why) {
      reloader?.reload(why);
    },
    async shutdown(timeoutMs) {
      reloader?.close();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                s.forceShutdown();
                resolve();
              }, timeoutMs);
              s.tryShutdown(() => {
                clearTimeout(timer);
                resolve();
              });
            }),
        ),
      );
      removeSockets(socketPaths);
    },
  };
}

function bindAsync(server: grpc.Server, target: string, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(target, creds, (err, port) => {
      if (err) reject(ksError('KS_CONFIG_INVALID', `cannot listen on ${target}: ${err.message}`, { target }, err));
      else resolve(port);
    });
  });
}

/**
 * Make sure the socket's directory is private (created 0700 if missing; an existing one must
 * be ours and grant nothing to group/others — we never chmod a directory we did not create,
 * it could be /tmp), and clear a stale socket left by a crashed agent. A socket somebody
 * still answers on means another agent is running: refuse.
 */
export async function prepareUnixSocket(sock: string): Promise<void> {
  const dir = path.dirname(sock);
  try {
    mkdirSync(dir, { recursive: false, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') mkdirSync(dir, { recursive: true, mode: 0o700 });
    else if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  const uid = process.geteuid?.() ?? 0;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw ksError(
      'KS_CONFIG_INVALID',
      `socket directory ${dir} must be a directory owned by uid ${uid} with mode 0700 (it is ${st.isDirectory() ? 'a directory' : 'not a directory'}, uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)})`,
      { dir },
    );
  }
  let existing;
  try {
    existing = lstatSync(sock);
  } catch {
    return;
  }
  if (!existing.isSocket())
    throw ksError('KS_CONFIG_INVALID', `${sock} exists and is not a socket; refusing to replace it`, { path: sock });
  if (await answers(sock))
    throw ksError('KS_CONFIG_INVALID', `another process is listening on ${sock} (is an agent already running?)`, { path: sock });
  unlinkSync(sock);
}

function answers(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(sock);
    c.setTimeout(1000);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
    c.once('timeout', () => {
      c.destroy();
      resolve(false);
    });
  });
}

function removeSockets(paths: readonly string[]): void {
  for (const p of paths) {
    try {
      if (lstatSync(p).isSocket()) unlinkSync(p);
    } catch {
      /* already gone */
    }
  }
}
