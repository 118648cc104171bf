// One TLS handshake with the agent before gRPC is asked to connect. gRPC retries a failed
// handshake until the connect deadline and then says only "Failed to connect before the
// deadline"; the handshake itself knows at once what is wrong, and whose certificate it is:
//   - the agent's certificate: not signed by our --tls-ca, not for the name we dialled,
//     expired or not yet valid (we verify it: rejectUnauthorized is off only so that we can
//     name the reason; nothing but the handshake is ever sent to an unverified agent);
//   - ours: expired or not yet valid, or not matching our key (checked before dialling), or
//     refused by the agent. With TLS 1.3 our side of the handshake is done before the agent
//     has judged our certificate, and a Node agent that refuses it sends no alert: it closes
//     the connection. So we wait for the agent's first bytes (its HTTP/2 SETTINGS frame):
//     a verified agent that closes without a byte has refused our certificate.
// Each becomes KS_TLS_HANDSHAKE with a `reason` and a message that says what to fix.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { ksError, type KubesweepError } from '../shared/errors';
import type { Endpoint, TlsFiles } from '../shared/endpoint';

export type TlsFailure =
  | 'agent-cert-unknown-ca'
  | 'agent-cert-name-mismatch'
  | 'agent-cert-expired'
  | 'agent-cert-not-yet-valid'
  | 'agent-cert-invalid'
  | 'client-cert-expired'
  | 'client-cert-not-yet-valid'
  | 'client-cert-key-mismatch'
  | 'client-cert-refused'
  | 'client-cert-revoked'
  | 'client-cert-missing';

/** How long to wait for the agent's answer after the handshake before leaving it to gRPC. */
const AFTER_HANDSHAKE_MS = 1000;

function fail(reason: TlsFailure, ep: Endpoint, message: string, extra: Record<string, unknown> = {}): KubesweepError {
  return ksError('KS_TLS_HANDSHAKE', `${message}`, { endpoint: ep.text, reason, ...extra });
}

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

function dn(x: Record<string, unknown> | undefined): string {
  if (!x) return '?';
  return Object.entries(x)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(',');
}

/** Our own certificate, checked before dialling: validity window and key pair. */
export function checkOwnCertificate(ep: Endpoint, files: TlsFiles, now = new Date(), read: (p: string) => Buffer = readFileSync): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(read(files.cert));
  } catch (err) {
    throw ksError('KS_INVALID_ARGUMENT', `--tls-cert ${files.cert} is not a PEM certificate: ${(err as Error).message}`, {
      path: files.cert,
    });
  }
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from)
    throw fail(
      'client-cert-not-yet-valid',
      ep,
      `our client certificate (--tls-cert ${files.cert}, ${cert.subject.replace(/\n/g, ',')}) is not valid before ${from.toISOString()} (now ${now.toISOString()}): check this machine's clock or wait`,
      {
        validFrom: from.toISOString(),
      },
    );
  if (now > to)
    throw fail(
      'client-cert-expired',
      ep,
      `our client certificate (--tls-cert ${files.cert}, ${cert.subject.replace(/\n/g, ',')}) expired on ${to.toISOString()}: renew it`,
      { validTo: to.toISOString() },
    );
  let matches = false;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(read(files.key)));
  } catch (err) {
    throw ksError('KS_INVALID_ARGUMENT', `--tls-key ${files.key} is not a usable private key: ${(err as Error).message}`, {
      path: files.key,
    });
  }
  if (!matches) throw fail('client-cert-key-mismatch', ep, `--tls-key ${files.key} is not the key of --tls-cert ${files.cert}`);
}

/** Name the agent's certificate problem from Node's verification result. */
function agentCertFailure(
  ep: Endpoint,
  files: TlsFiles,
  code: string,
  peer: tls.PeerCertificate | undefined,
  name: string,
): KubesweepError {
  const subject = dn(peer?.subject);
  const issuer = dn(peer?.issuer);
  const about = `the agent's certificate (${subject}, issued by ${issuer})`;
  if (UNKNOWN_CA.has(code))
    return fail(
      'agent-cert-unknown-ca',
      ep,
      `${about} is not signed by the CA in --tls-ca ${files.ca} (${code}): is this the right agent, and the right CA file?`,
      { tlsCode: code },
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return fail(
      'agent-cert-name-mismatch',
      ep,
      `${about} is for ${peer?.subjectaltname ?? `CN ${subject}`}, not ${name}: dial a name it is for, or give --tls-server-name`,
      { tlsCode: code, name },
    );
  }
  if (code === 'CERT_HAS_EXPIRED')
    return fail(
      'agent-cert-expired',
      ep,
      `${about} expired on ${new Date(peer?.valid_to ?? '').toISOString()}: the agent's certificate needs renewing`,
      { tlsCode: code },
    );
  if (code === 'CERT_NOT_YET_VALID')
    return fail(
      'agent-cert-not-yet-valid',
      ep,
      `${about} is not valid before ${new Date(peer?.valid_from ?? '').toISOString()}: check the clocks of this machine and the agent's`,
      { tlsCode: code },
    );
  return fail('agent-cert-invalid', ep, `${about} failed verification: ${code}`, { tlsCode: code });
}

/** The agent's alert about our certificate (TLS 1.3: after our side of the handshake). */
function alertFailure(ep: Endpoint, files: TlsFiles, err: NodeJS.ErrnoException): KubesweepError | undefined {
  const code = err.code ?? '';
  const cert = `our client certificate (--tls-cert ${files.cert})`;
  if (code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')
    return fail('client-cert-refused', ep, `the agent refused ${cert}: it is not signed by a CA the agent trusts (its --tls-client-ca)`, {
      tlsCode: code,
    });
  if (code === 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED')
    return fail('client-cert-revoked', ep, `the agent refused ${cert}: it is revoked (the agent's --tls-crl lists it)`, { tlsCode: code });
  if (code === 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED')
    return fail('client-cert-refused', ep, `the agent refused ${cert} as expired or not yet valid (check the agent's clock)`, {
      tlsCode: code,
    });
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' || code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')
    return fail('client-cert-missing', ep, `the agent requires a client certificate and did not accept ours`, { tlsCode: code });
  if (/ALERT/.test(code)) return fail('client-cert-refused', ep, `the agent ended the handshake: ${err.message.trim()}`, { tlsCode: code });
  return undefined;
}

/** A verified agent closed the connection right after the handshake: it refused our certificate. */
function closedFailure(ep: Endpoint, files: TlsFiles, read: (p: string) => Buffer): KubesweepError {
  let about = '';
  try {
    const c = new X509Certificate(read(files.cert));
    about = `, ${c.subject.replace(/\n/g, ',')}, issued by ${c.issuer.replace(/\n/g, ',')}`;
  } catch {
    /* checked before dialling */
  }
  return fail(
    'client-cert-refused',
    ep,
    `the agent refused our client certificate (--tls-cert ${files.cert}${about}): it closed the connection right after the handshake. Its --tls-client-ca did not sign it, it is expired or not yet valid by the agent's clock, or the agent's --tls-crl revokes it`,
  );
}

/**
 * Resolves when the agent's certificate verifies and the agent accepts ours; rejects with
 * KS_TLS_HANDSHAKE naming the problem otherwise. Anything that is not a TLS verdict (a
 * timeout, a reset) resolves too: gRPC then reports it as it always has.
 */
export function tlsProbe(
  ep: Extract<Endpoint, { kind: 'tcp' }>,
  files: TlsFiles,
  deadline: number,
  read: (p: string) => Buffer = readFileSync,
): Promise<void> {
  checkOwnCertificate(ep, files, new Date(), read);
  const name = files.serverName ?? ep.host;
  return new Promise((resolve, reject) => {
    let settled = false;
    const sock = tls.connect({
      host: ep.host,
      port: ep.port,
      ca: read(files.ca),
      cert: read(files.cert),
      key: read(files.key),
      ...(net.isIP(name) ? {} : { servername: name }),
      ALPNProtocols: ['h2'],
      // Verified below, so that the failure can be named instead of just refused.
      rejectUnauthorized: false,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
    });
    const finish = (err?: KubesweepError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      sock.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(), Math.max(1, Math.min(deadline - Date.now(), 5000)));
    sock.once('secureConnect', () => {
      if (!sock.authorized) {
        finish(agentCertFailure(ep, files, String(sock.authorizationError ?? 'unknown'), sock.getPeerCertificate(), name));
        return;
      }
      // Our certificate's verdict: the agent's first bytes mean accepted, an alert means not.
      clearTimeout(timer);
      const wait = setTimeout(() => finish(), AFTER_HANDSHAKE_MS);
      sock.once('data', () => {
        clearTimeout(wait);
        finish();
      });
      const refused = (): void => {
        clearTimeout(wait);
        finish(closedFailure(ep, files, read));
      };
      sock.once('end', refused);
      sock.once('close', refused);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => finish(alertFailure(ep, files, err)));
  });
}
