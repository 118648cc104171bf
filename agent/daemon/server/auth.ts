// Who is calling, and what may they do. Unix socket peers are admin: only root can open the
// socket (0600 in a 0700 dir). TCP peers are identified by their client certificate, which
// the TLS layer has already verified against the configured client CA; the subject's CN/O/OU
// attributes map to a role through the config. A verified cert that maps to no role gets
// PERMISSION_DENIED on everything except health checks.
import type { PeerCertificate } from 'node:tls';
import type { Role, RoleMapping } from '../config';
import { ksError } from '../../shared/errors';
import { terminalSafe } from '../../shared/terminal-safe';

export type Transport = 'unix' | 'tls';

export interface Caller {
  transport: Transport;
  /** `unix-socket`, or the certificate subject (`CN=…,O=…`). */
  identity: string;
  /** Remote address as grpc-js reports it ('unknown' for unix sockets). */
  peer: string;
  role?: Role;
}

/** The minimal view of a grpc-js server call that identification needs. */
export interface CallIdentitySource {
  getPeer(): string;
  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: Pick<PeerCertificate, 'subject'> } | null;
}

const SUBJECT_ATTRS = ['CN', 'O', 'OU'] as const;

/** `CN=a`, `O=b`, `O=c` … from a certificate subject (values may be arrays). */
export function subjectAttributes(subject: Partial<Record<string, string | string[]>> | undefined): string[] {
  const out: string[] = [];
  if (!subject) return out;
  for (const k of SUBJECT_ATTRS) {
    const v = subject[k];
    for (const s of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.push(`${k}=${s}`);
  }
  return out;
}

/**
 * One attribute value escaped as RFC 4514 does (`,` `+` `"` `\\` `<` `>` `;`, a leading `#` or
 * blank, a trailing blank), then terminalSafe: a CN of `evil,CN=admin` is logged
 * `CN=evil\\,CN=admin`, never as what reads like a two-CN subject.
 */
export function escapeRdnValue(v: string): string {
  const escaped = v
    .replace(/[\\,+"<>;]/g, (c) => `\\${c}`)
    .replace(/^([#\s])/, '\\$1')
    .replace(/(\s)$/, '\\$1');
  return terminalSafe(escaped);
}

/** The caller's identity for logs, answers and the journal: the subject's RDNs, each escaped. */
export function identityOf(subject: Partial<Record<string, string | string[]>> | undefined): string {
  const out: string[] = [];
  for (const k of SUBJECT_ATTRS) {
    const v = subject?.[k];
    for (const s of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.push(`${k}=${escapeRdnValue(s)}`);
  }
  return out.join(',');
}

export function roleFor(attrs: readonly string[], roles: RoleMapping): Role | undefined {
  if (attrs.some((a) => roles.admin.includes(a))) return 'admin';
  if (attrs.some((a) => roles.reader.includes(a))) return 'reader';
  return undefined;
}

/**
 * Identify the caller of a call that arrived on a server of the given transport. Each
 * transport has its own grpc-js server, so a plaintext call can only have come through the
 * unix socket; a TLS server call without a verified certificate is refused (defence in depth:
 * the TLS layer already rejects such handshakes).
 */
export function identifyCaller(call: CallIdentitySource, transport: Transport, roles: RoleMapping): Caller {
  const peer = safePeer(call);
  if (transport === 'unix') return { transport, identity: 'unix-socket', peer, role: 'admin' };
  const auth = call.getAuthContext();
  const cert = auth?.transportSecurityType === 'ssl' ? auth.sslPeerCertificate : undefined;
  if (!cert) throw ksError('KS_UNAUTHENTICATED', 'a verified client certificate is required', { peer });
  const attrs = subjectAttributes(cert.subject);
  const identity = identityOf(cert.subject) || 'unnamed-certificate';
  return { transport, identity, peer, role: roleFor(attrs, roles) };
}

export function requireRole(caller: Caller, needed: Role, method: string): void {
  if (caller.role === 'admin' || caller.role === needed) return;
  if (caller.role === undefined) {
    throw ksError('KS_PERMISSION_DENIED', `${method}: ${caller.identity} has no role on this agent`, { identity: caller.identity, needed });
  }
  throw ksError('KS_PERMISSION_DENIED', `${method}: role ${caller.role} may not do this (needs ${needed})`, {
    identity: caller.identity,
    role: caller.role,
    needed,
  });
}

function safePeer(call: CallIdentitySource): string {
  try {
    return call.getPeer();
  } catch {
    return 'unknown';
  }
}
