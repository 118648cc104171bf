// The client's TLS handshake before gRPC: every certificate problem is named at once — whose
// certificate and what is wrong — against a real grpc-js mTLS server, instead of gRPC's
// "Failed to connect before the deadline" after the whole connect timeout.
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t, { type Test } from 'tap';
import { tlsProbe, checkOwnCertificate } from '../../../agent/client/tls-probe';
import { AgentClient } from '../../../agent/client/agent-client';
import { isKubesweepError } from '../../../agent/shared/errors';
import { parseEndpoint, type TlsFiles } from '../../../agent/shared/endpoint';
import { genCerts } from '../../helpers/agent';
import { opensslDate, signCert } from '../../helpers/pki';

const tmp = mkdtempSync('/tmp/kstp-');
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const pki = genCerts(tmp, 'pki');
const foreign = genCerts(tmp, 'foreign', 'another-ca');
signCert(pki, 'expired-server', { cn: 'kubesweep-agent', usage: 'server', notBefore: opensslDate(-30), notAfter: opensslDate(-1) });
signCert(pki, 'future-server', { cn: 'kubesweep-agent', usage: 'server', notBefore: opensslDate(2), notAfter: opensslDate(30) });
signCert(pki, 'other-name-server', {
  cn: 'kubesweep-agent',
  usage: 'server',
  sans: ['DNS:node7.example', 'IP:10.9.9.9'],
  notBefore: opensslDate(-1),
  notAfter: opensslDate(30),
});
signCert(pki, 'expired-admin', { cn: 'kubesweep-admin', usage: 'client', notBefore: opensslDate(-30), notAfter: opensslDate(-1) });
signCert(pki, 'future-admin', { cn: 'kubesweep-admin', usage: 'client', notBefore: opensslDate(2), notAfter: opensslDate(30) });

async function serve(t: Test, certName: string): Promise<number> {
  const server = new grpc.Server();
  const creds = grpc.ServerCredentials.createSsl(
    readFileSync(path.join(pki, 'ca.crt')),
    [{ private_key: readFileSync(path.join(pki, `${certName}.key`)), cert_chain: readFileSync(path.join(pki, `${certName}.crt`)) }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  t.teardown(() => server.forceShutdown());
  return port;
}

function files(name: string, dir = pki, extra: Partial<TlsFiles> = {}): TlsFiles {
  return { ca: path.join(pki, 'ca.crt'), cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`), ...extra };
}

async function probe(port: number, f: TlsFiles): Promise<{ reason?: string; message?: string; ms: number }> {
  const ep = parseEndpoint(`127.0.0.1:${port}`) as Extract<ReturnType<typeof parseEndpoint>, { kind: 'tcp' }>;
  const t0 = performance.now();
  try {
    await tlsProbe(ep, f, Date.now() + 10_000);
    return { ms: performance.now() - t0 };
  } catch (err) {
    if (!isKubesweepError(err, 'KS_TLS_HANDSHAKE')) throw err;
    return { reason: err.details.reason as string, message: err.message, ms: performance.now() - t0 };
  }
}

t.test('a good handshake passes', async (t) => {
  const port = await serve(t, 'server');
  const r = await probe(port, files('admin'));
  t.equal(r.reason, undefined);
  t.ok(r.ms < 1000, `in ${Math.round(r.ms)} ms`);
});

t.test('each failure, named, within a second', async (t) => {
  const good = await serve(t, 'server');
  const cases: { what: string; port: number; files: TlsFiles; reason: string; message: RegExp }[] = [
    {
      what: 'agent cert from a CA we do not trust',
      port: good,
      files: { ...files('admin'), ca: path.join(foreign, 'ca.crt') },
      reason: 'agent-cert-unknown-ca',
      message:
        /the agent's certificate \(CN=kubesweep-agent, issued by CN=kubesweep-ca\) is not signed by the CA in --tls-ca .*foreign\/ca\.crt/,
    },
    {
      what: 'agent cert for another name',
      port: await serve(t, 'other-name-server'),
      files: files('admin'),
      reason: 'agent-cert-name-mismatch',
      message: /is for DNS:node7\.example, IP Address:10\.9\.9\.9, not 127\.0\.0\.1: dial a name it is for, or give --tls-server-name/,
    },
    {
      what: '--tls-server-name that is not in the SANs',
      port: good,
      files: files('admin', pki, { serverName: 'node9' }),
      reason: 'agent-cert-name-mismatch',
      message: /not node9/,
    },
    {
      what: 'agent cert expired',
      port: await serve(t, 'expired-server'),
      files: files('admin'),
      reason: 'agent-cert-expired',
      message: /the agent's certificate .* expired on 20\d\d-/,
    },
    {
      what: 'agent cert not yet valid',
      port: await serve(t, 'future-server'),
      files: files('admin'),
      reason: 'agent-cert-not-yet-valid',
      message: /is not valid before 20\d\d-.*check the clocks/,
    },
    {
      what: 'our cert expired',
      port: good,
      files: files('expired-admin'),
      reason: 'client-cert-expired',
      message: /our client certificate \(--tls-cert .*expired-admin\.crt, CN=kubesweep-admin\) expired on/,
    },
    {
      what: 'our cert not yet valid',
      port: good,
      files: files('future-admin'),
      reason: 'client-cert-not-yet-valid',
      message: /is not valid before/,
    },
    {
      what: 'our cert from a CA the agent does not trust',
      port: good,
      files: files('admin', foreign),
      reason: 'client-cert-refused',
      message:
        /the agent refused our client certificate \(--tls-cert .*foreign\/admin\.crt, CN=kubesweep-admin, issued by CN=another-ca\): it closed the connection right after the handshake/,
    },
    {
      what: "our key is not our cert's",
      port: good,
      files: { ...files('admin'), key: path.join(pki, 'reader.key') },
      reason: 'client-cert-key-mismatch',
      message: /--tls-key .*reader\.key is not the key of --tls-cert .*admin\.crt/,
    },
  ];
  for (const c of cases) {
    const r = await probe(c.port, c.files);
    t.equal(r.reason, c.reason, `${c.what}: ${r.reason}`);
    t.match(r.message, c.message, c.what);
    t.ok(r.ms < 1000, `${c.what}: in ${Math.round(r.ms)} ms`);
  }
});

t.test('checkOwnCertificate: unreadable or non-PEM files are usage errors', async (t) => {
  const ep = parseEndpoint('127.0.0.1:9443');
  t.throws(() => checkOwnCertificate(ep, { ...files('admin'), cert: path.join(pki, 'admin.key') }), {
    code: 'KS_INVALID_ARGUMENT',
    message: /is not a PEM certificate/,
  });
  t.throws(() => checkOwnCertificate(ep, { ...files('admin'), key: path.join(pki, 'admin.crt') }), {
    code: 'KS_INVALID_ARGUMENT',
    message: /is not a usable private key/,
  });
});

t.test('AgentClient: a foreign client cert fails at once with KS_TLS_HANDSHAKE, not after the connect timeout', async (t) => {
  const port = await serve(t, 'server');
  const client = new AgentClient({ endpoint: `127.0.0.1:${port}`, tls: files('admin', foreign), connectTimeoutMs: 10_000 });
  t.teardown(() => client.close());
  const t0 = performance.now();
  await t.rejects(client.info(), { code: 'KS_TLS_HANDSHAKE', details: { reason: 'client-cert-refused' } });
  const ms = performance.now() - t0;
  t.ok(ms < 1000, `in ${Math.round(ms)} ms (connect timeout 10 s)`);
});
