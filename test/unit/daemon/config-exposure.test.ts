// The exposure options: --tls-crl (only on top of the three mTLS files, folded into tls.crl),
// --http-owners (a boolean flag), and the abuse bounds (integers within their ranges).
import t from 'tap';
import { loadConfig } from '../../../agent/daemon/config';

const isFile = (p: string): boolean => p.startsWith('/pki/');
const readFile = (): string => '{}';
const load = (argv: string[]) => loadConfig(['--node-name', 'node-1', ...argv], { readFile, isFile }).config;
const problems = (argv: string[]): string[] => {
  try {
    loadConfig(['--node-name', 'node-1', ...argv], { readFile, isFile });
    return [];
  } catch (err) {
    return (err as { details: { problems: string[] } }).details.problems;
  }
};
const tls = ['--listen', '127.0.0.1:9443', '--tls-cert', '/pki/s.crt', '--tls-key', '/pki/s.key', '--tls-client-ca', '/pki/ca.crt'];

t.test('--tls-crl', async (t) => {
  t.same(load([...tls, '--tls-crl', '/pki/crl.pem']).tls, {
    cert: '/pki/s.crt',
    key: '/pki/s.key',
    clientCa: '/pki/ca.crt',
    crl: '/pki/crl.pem',
  });
  t.same(load(tls).tls, { cert: '/pki/s.crt', key: '/pki/s.key', clientCa: '/pki/ca.crt' }, 'optional');
  t.notOk('tlsCrl' in load(tls), 'folded into tls, not a top-level key');
  t.match(problems(['--tls-crl', '/pki/crl.pem']), [/--tls-crl without --tls-cert, --tls-key and --tls-client-ca/]);
  t.match(problems([...tls, '--tls-crl', '/elsewhere/crl.pem']), [/tls\.crl: \/elsewhere\/crl\.pem is not a readable file/]);
  t.same(
    loadConfig(['--node-name', 'n', '--config', '/etc/ks.json'], {
      readFile: () =>
        JSON.stringify({ listen: ['127.0.0.1:9443'], tls: { cert: '/pki/a', key: '/pki/b', clientCa: '/pki/c', crl: '/pki/d' } }),
      isFile,
    }).config.tls?.crl,
    '/pki/d',
    'tls.crl in the file',
  );
});

t.test('--http-owners and the limits', async (t) => {
  const d = load([]);
  t.same([d.httpOwners, d.maxReadCalls, d.httpMaxRequests, d.httpMaxConnections, d.maxMemoryMiB], [false, 32, 8, 1024, 256], 'defaults');
  t.equal(load(['--http-owners', 'true']).httpOwners, true);
  t.equal(load(['--http-owners', 'false']).httpOwners, false);
  t.match(problems(['--http-owners', 'yes']), [/httpOwners: must be true or false/]);
  const f = loadConfig(['--node-name', 'n', '--config', '/etc/ks.json'], {
    readFile: () => JSON.stringify({ maxReadCalls: 4, httpMaxRequests: 2, httpMaxConnections: 10, maxMemoryMiB: 128 }),
    isFile,
  }).config;
  t.same([f.maxReadCalls, f.httpMaxRequests, f.httpMaxConnections, f.maxMemoryMiB], [4, 2, 10, 128]);
  const bad = (() => {
    try {
      loadConfig(['--node-name', 'n', '--config', '/etc/ks.json'], {
        readFile: () => JSON.stringify({ maxReadCalls: 0, httpMaxRequests: 1.5, httpMaxConnections: 99999, maxMemoryMiB: 8 }),
        isFile,
      });
      return [];
    } catch (err) {
      return (err as { details: { problems: string[] } }).details.problems;
    }
  })();
  t.equal(bad.length, 4, 'each out-of-range limit named');
});
