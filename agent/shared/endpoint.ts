// Where an agent (or a CRI runtime) is and how to talk to it: the one grammar of endpoints for
// the client, the agent's options, the CRI client and the shim matcher. A unix socket needs no
// TLS (the socket's file permissions and the peer's uid are the agent's business); on TCP the
// agent speaks only mTLS, so a host:port endpoint without client TLS material is refused here,
// before any dialling. grpc-js and the error registry (≈ 45 ms to load) are required only where
// they are used: the agent's config and the port report parse endpoints without them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as Grpc from '@grpc/grpc-js';

export const DEFAULT_ENDPOINT = 'unix:///run/kubesweep/agent.sock';
export const DEFAULT_AGENT_PORT = 9443;

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
  /** Name to check the server certificate against when the endpoint is an IP or an alias. */
  serverName?: string;
}

export type Endpoint =
  { kind: 'unix'; path: string; target: string; text: string } | { kind: 'tcp'; host: string; port: number; target: string; text: string };

/**
 * The socket path of `unix:///p` or `unix:/p` (and of a bare `/p` when `bare`), or undefined when
 * the text names no unix socket. The path is not checked (it may be '' or relative): callers
 * decide what a valid one is.
 */
export function unixSocketPath(text: string, opts: { bare?: boolean } = {}): string | undefined {
  if (text.startsWith('unix://')) return text.slice('unix://'.length);
  if (text.startsWith('unix:')) return text.slice('unix:'.length);
  if (opts.bare && text.startsWith('/')) return text;
  return undefined;
}

/** A grpc-js target for `unix:///x`, `unix:/x`, `/x` or `host:port`. */
export function grpcTarget(endpoint: string): string {
  const sock = unixSocketPath(endpoint, { bare: true });
  return sock !== undefined ? `unix://${sock}` : endpoint;
}

/**
 * One socket, however it is written: `unix:///run/c.sock`, `unix:/run/c.sock`, `/run/c.sock` and
 * `/run//c.sock` are the same address (a shim's -address against the configured socket).
 */
export function normalizeUnixAddress(address: string): string {
  return path.normalize(unixSocketPath(address, { bare: true }) ?? address);
}

/**
 * Parse `unix:///path`, `unix:/path`, `/path`, `host:port` or `[v6]:port`. Throws
 * KS_INVALID_ARGUMENT naming the text when it is none of these.
 */
export function parseEndpoint(text: string): Endpoint {
  const s = text.trim();
  const sock = unixSocketPath(s, { bare: true });
  if (sock !== undefined) {
    if (!sock.startsWith('/')) throw invalid(`endpoint ${JSON.stringify(text)}: a unix socket path must be absolute`);
    return { kind: 'unix', path: sock, target: `unix://${sock}`, text: `unix://${sock}` };
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(s);
  if (!m) throw invalid(`endpoint ${JSON.stringify(text)}: expected unix:///path or host:port`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw invalid(`endpoint ${JSON.stringify(text)}: port out of range`);
  const host = m[1] ?? m[2];
  const target = m[1] ? `[${host}]:${port}` : `${host}:${port}`;
  return { kind: 'tcp', host, port, target, text: target };
}

function invalid(message: string, details?: Record<string, unknown>): Error {
  const { ksError } = require('./errors') as typeof import('./errors');
  return ksError('KS_INVALID_ARGUMENT', message, details);
}

function grpcJs(): typeof Grpc {
  return require('@grpc/grpc-js') as typeof Grpc;
}

/** Credentials for one endpoint; throws KS_INVALID_ARGUMENT for TCP without TLS files. */
export function credentialsFor(
  ep: Endpoint,
  tls: TlsFiles | undefined,
  read: (p: string) => Buffer = readFileSync,
): Grpc.ChannelCredentials {
  const grpc = grpcJs();
  if (ep.kind === 'unix') return grpc.credentials.createInsecure();
  if (!tls) {
    throw invalid(`endpoint ${ep.text} is TCP: the agent speaks only mutual TLS there; give --tls-ca, --tls-cert and --tls-key`, {
      endpoint: ep.text,
    });
  }
  const load = (what: string, p: string): Buffer => {
    try {
      return read(p);
    } catch (err) {
      throw invalid(`cannot read ${what} ${p}: ${(err as Error).message}`, { path: p });
    }
  };
  const ca = load('--tls-ca', tls.ca);
  const key = load('--tls-key', tls.key);
  const cert = load('--tls-cert', tls.cert);
  try {
    return grpc.credentials.createSsl(ca, key, cert);
  } catch (err) {
    throw invalid(`unusable TLS files (--tls-ca ${tls.ca}, --tls-cert ${tls.cert}, --tls-key ${tls.key}): ${(err as Error).message}`);
  }
}

/** Channel options: fail fast on a dead endpoint instead of retrying for minutes. */
export function channelOptions(tls: TlsFiles | undefined): Grpc.ChannelOptions {
  const opts: Grpc.ChannelOptions = {
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 2000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  };
  if (tls?.serverName) opts['grpc.ssl_target_name_override'] = tls.serverName;
  return opts;
}
