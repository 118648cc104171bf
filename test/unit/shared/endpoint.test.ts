// The one endpoint grammar (agent/shared/endpoint.ts) and a guard that no second copy of it
// grows back elsewhere in agent/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { grpcTarget, normalizeUnixAddress, parseEndpoint, unixSocketPath } from '../../../agent/shared/endpoint';
import { parseListen } from '../../../agent/daemon/config';
import { packageRoot } from '../../../agent/shared/paths';

t.test('unixSocketPath: the text after unix:// or unix:, a bare /path only when asked', async (t) => {
  t.equal(unixSocketPath('unix:///run/a.sock'), '/run/a.sock');
  t.equal(unixSocketPath('unix:/run/a.sock'), '/run/a.sock');
  t.equal(unixSocketPath('unix://relative'), 'relative', 'unchecked: callers judge the path');
  t.equal(unixSocketPath('unix://'), '');
  t.equal(unixSocketPath('/run/a.sock'), undefined);
  t.equal(unixSocketPath('/run/a.sock', { bare: true }), '/run/a.sock');
  t.equal(unixSocketPath('127.0.0.1:9443', { bare: true }), undefined);
});

t.test('grpcTarget and normalizeUnixAddress agree on what one socket is', async (t) => {
  for (const e of ['unix:///run/c.sock', 'unix:/run/c.sock', '/run/c.sock']) t.equal(grpcTarget(e), 'unix:///run/c.sock', e);
  t.equal(grpcTarget('node-1:9443'), 'node-1:9443');
  for (const e of ['unix:///run/c.sock', 'unix:/run/c.sock', '/run/c.sock', 'unix:///run//c.sock', '/run/x/../c.sock'])
    t.equal(normalizeUnixAddress(e), '/run/c.sock', e);
});

t.test('parseEndpoint: unix forms, host:port, and a named error otherwise', async (t) => {
  for (const e of ['unix:///run/a.sock', 'unix:/run/a.sock', '/run/a.sock', '  unix:///run/a.sock '])
    t.match(parseEndpoint(e), { kind: 'unix', path: '/run/a.sock', target: 'unix:///run/a.sock', text: 'unix:///run/a.sock' }, e);
  t.match(parseEndpoint('[::1]:9443'), { kind: 'tcp', host: '::1', port: 9443, target: '[::1]:9443' });
  t.match(parseEndpoint('node-1.example:9443'), { kind: 'tcp', host: 'node-1.example', port: 9443 });
  for (const bad of ['unix://', 'unix://relative', 'unix:x', 'http://x:1', 'x:0', 'x:65536', 'x'])
    t.throws(() => parseEndpoint(bad), { code: 'KS_INVALID_ARGUMENT' }, bad);
  t.match(
    parseListen('unix:/run/a.sock'),
    { kind: 'unix', path: '/run/a.sock' },
    'the agent reads its listen addresses with the same grammar',
  );
});

t.test('no file in agent/ but shared/endpoint.ts takes a unix: prefix apart', async (t) => {
  const root = path.join(packageRoot(), 'agent');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  t.ok(files.length > 20, `${files.length} files`);
  const copy = /(startsWith|slice|replace|indexOf)\(\s*(['"`]unix:|\/\^unix)|['"`]unix:\/\/['"`]\.length/;
  for (const f of files) {
    if (f === path.join('shared', 'endpoint.ts')) continue;
    const lines = readFileSync(path.join(root, f), 'utf8').split('\n');
    const hits = lines.map((l, i) => [i + 1, l] as const).filter(([, l]) => copy.test(l));
    t.same(hits, [], `agent/${f} uses agent/shared/endpoint.ts instead of its own unix: parsing`);
  }
});
