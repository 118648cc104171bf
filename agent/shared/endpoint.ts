// Where an agent is and how to talk to it. A unix socket needs no TLS (the socket's file
// permissions and the peer's uid are the agent's business); on TCP the agent speaks only mTLS,
// so a host:port endpoint without client TLS material is refused here, before any dialling.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ksError } from './errors';

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
  | { kind: 'unix'; path: string; target: string; text: string }
  | { kind: 'tcp'; host: string; port: number; target: string; text: string };

/**
 * Parse `unix:///path`, `unix:/path`, `/path`, `host:port` or `[v6]:port`. Throws
 * KS_INVALID_ARGUMENT naming the text when it is none of these.
 */
export function parseEndpoint(text: string): Endpoint {
  const s = text.trim();
  let sock: string | undefined;
  if (s.startsWith('unix://')) sock = s.slice('unix://'.length);
  else if (s.startsWith('unix:')) sock = s.slice('unix:'.length);
  else if (s.startsWith('/')) sock = s;
  if (sock !== undefined) {
    if (!sock.startsWith('/')) throw ksError('KS_INVALID_ARGUMENT', `endpoint ${JSON.stringify(text)}: a unix socket path must be absolute`);
    return { kind: 'unix', path: sock, target: `unix://${sock}`, text: `unix://${sock}` };
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(s);
  if (!m) throw ksError('KS_INVALID_ARGUMENT', `endpoint ${JSON.stringify(text)}: expected unix:///path or host:port`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw ksError('KS_INVALID_ARGUMENT', `endpoint ${JSON.stringify(text)}: port out of range`);
  const host = m[1] ?? m[2]!;
  const target = m[1] ? `[${host}]:${port}` : `${host}:${port}`;
  return { kind: 'tcp', host, port, target, text: target };
}

/** Credentials for one endpoint; throws KS_INVALID_ARGUMENT for TCP without TLS files. */
export function credentialsFor(ep: Endpoint, tls: TlsFiles | undefined, read: (p: string) => Buffer = readFileSync): grpc.ChannelCredentials {
  if (ep.kind === 'unix') return grpc.credentials.createInsecure();
  if (!tls) {
    throw ksError(
      'KS_INVALID_ARGUMENT',
      `endpoint ${ep.text} is TCP: the agent speaks only mutual TLS there; give --tls-ca, --tls-cert and --tls-key`,
      { endpoint: ep.text },
    );
  }
  const load = (what: string, p: string): Buffer => {
    try {
      return read(p);
    } catch (err) {
      throw ksError('KS_INVALID_ARGUMENT', `cannot read ${what} ${p}: ${(err as Error).message}`, { path: p });
    }
  };
  const ca = load('--tls-ca', tls.ca);
  const key = load('--tls-key', tls.key);
  const cert = load('--tls-cert', tls.cert);
  try {
    return grpc.credentials.createSsl(ca, key, cert);
  } catch (err) {
    throw ksError('KS_INVALID_ARGUMENT', `unusable TLS files (--tls-ca ${tls.ca}, --tls-cert ${tls.cert}, --tls-key ${tls.key}): ${(err as Error).message}`);
  }
}

/** Channel options: fail fast on a dead endpoint instead of retrying for minutes. */
export function channelOptions(tls: TlsFiles | undefined): grpc.ChannelOptions {
  const opts: grpc.ChannelOptions = {
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 2000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  };
  if (tls?.serverName) opts['grpc.ssl_target_name_override'] = tls.serverName;
  return opts;
}
