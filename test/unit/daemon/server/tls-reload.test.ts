// Loading and republishing the agent's TLS files: a set that does not load (key of another
// certificate, missing file, no CRL in the CRL file) is refused with the file named; a good
// set is republished only when its bytes changed; a failed reload keeps the serving set.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { loadServerTls, TlsReloader, type ServerTlsFiles } from '../../../../agent/daemon/server/tls-reload';
import { genCerts } from '../../../helpers/agent';
import { createMetrics } from '../../../../agent/daemon/server/metrics';
import { captureLogger } from '../../../helpers/log-capture';
import { makeFakeEngine } from '../../../helpers/fake-engine';
import { parsePromText } from '../../../helpers/prom-text';

const tmp = mkdtempSync('/tmp/kstr-');
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const a = genCerts(tmp, 'a');
const b = genCerts(tmp, 'b', 'ca-b');
const files = (d: string): ServerTlsFiles => ({ cert: `${d}/server.crt`, key: `${d}/server.key`, clientCa: `${d}/ca.crt` });

t.test('loadServerTls', async (t) => {
  const ok = loadServerTls(files(a));
  t.match(ok.summary, { subject: 'CN=kubesweep-agent', crl: false });
  t.equal(loadServerTls(files(a)).digest, ok.digest, 'same bytes, same digest');
  t.not(loadServerTls(files(b)).digest, ok.digest);
  t.throws(() => loadServerTls({ ...files(a), key: `${b}/server.key` }), {
    code: 'KS_CONFIG_INVALID',
    message: /--tls-key .*b\/server\.key is not the key of --tls-cert .*a\/server\.crt/,
  });
  t.throws(() => loadServerTls({ ...files(a), clientCa: `${a}/missing.crt` }), {
    code: 'KS_CONFIG_INVALID',
    message: /cannot read --tls-client-ca/,
  });
  t.throws(() => loadServerTls({ ...files(a), crl: `${a}/ca.crt` }), {
    code: 'KS_CONFIG_INVALID',
    message: /--tls-crl .* holds no PEM CRL/,
  });
});

t.test('TlsReloader: publishes changed sets, keeps the old one when the new one does not load', async (t) => {
  const live = path.join(tmp, 'live');
  genCerts(tmp, 'live');
  const { log: logger, lines } = captureLogger();
  const records = () => lines;
  const published: unknown[] = [];
  const r = new TlsReloader({ files: files(live), log: logger, retryMs: 50 });
  t.teardown(() => r.close());
  // Spy on what reaches grpc-js's watchers.
  r.credentials._addWatcher((o) => published.push(o));
  t.equal(r.reload('test'), 'unchanged');
  t.equal(published.length, 0);
  copyFileSync(`${b}/server.crt`, `${live}/server.crt`);
  t.equal(r.reload('test'), 'failed', 'certificate of b, key of live: refused');
  t.equal(published.length, 0, 'nothing published');
  t.equal(r.summary.subject, 'CN=kubesweep-agent');
  t.ok(records().some((l) => l.tls === 'reload-failed'));
  copyFileSync(`${b}/server.key`, `${live}/server.key`);
  await new Promise((res) => setTimeout(res, 150));
  t.equal(published.length, 1, 'the retry picked up the completed swap');
  t.ok(records().some((l) => l.tls === 'reloaded' && l.why === 'retry'));
  writeFileSync(`${live}/server.key`, 'garbage');
  t.equal(r.reload('test'), 'failed');
  t.equal(published.length, 1);
});

t.test("metrics: reload results counted, the serving certificate's expiry exported", async (t) => {
  const m = createMetrics({ engine: makeFakeEngine(), expectFreePorts: [], nodeName: 'n', version: '0' });
  const before = parsePromText(await m.registry().metrics()).samples;
  t.equal(before.find((s) => s.name === 'kubesweep_tls_certificate_expiry_timestamp_seconds')?.value, 0, '0 without TCP listeners');
  const live = path.join(tmp, 'metrics-live');
  genCerts(tmp, 'metrics-live');
  const notAfters: string[] = [];
  const r = new TlsReloader({
    files: files(live),
    log: captureLogger().log,
    onReload: (result, _ms, serving) => {
      notAfters.push(serving.notAfter);
      m.recordTlsReload(result, Date.parse(serving.notAfter) / 1000);
    },
  });
  t.teardown(() => r.close());
  m.recordTlsExpiry(Date.parse(r.summary.notAfter) / 1000);
  r.reload('test');
  copyFileSync(`${b}/server.crt`, `${live}/server.crt`);
  r.reload('test');
  copyFileSync(`${b}/server.key`, `${live}/server.key`);
  r.reload('test');
  const s = parsePromText(await m.registry().metrics()).samples;
  const v = (name: string, labels: Record<string, string> = {}) =>
    s.find((x) => x.name === name && Object.entries(labels).every(([k, val]) => x.labels[k] === val))?.value;
  t.equal(v('kubesweep_tls_reloads_total', { result: 'unchanged' }), 1);
  t.equal(v('kubesweep_tls_reloads_total', { result: 'failed' }), 1);
  t.equal(v('kubesweep_tls_reloads_total', { result: 'reloaded' }), 1);
  t.equal(
    v('kubesweep_tls_certificate_expiry_timestamp_seconds'),
    Date.parse(loadServerTls(files(b)).summary.notAfter) / 1000,
    "the new certificate's expiry",
  );
  t.equal(notAfters.length, 3);
});
