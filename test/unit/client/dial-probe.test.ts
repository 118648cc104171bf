// The plain dial before gRPC: each way a connection fails gets its own reason, at once; a
// refusal is retried long enough to ride through an agent restart.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { dialProbe, REFUSED_RETRY_MS } from '../../../agent/client/dial-probe';
import { parseEndpoint } from '../../../agent/shared/endpoint';
import { packageRoot } from '../../../agent/shared/paths';
import { freePort } from '../../helpers/testbed';

function listen(server: net.Server, where: string | number): Promise<void> {
  return new Promise((r) => (typeof where === 'number' ? server.listen(where, '127.0.0.1', r) : server.listen(where, r)));
}

/** Whether `p` resolves to true within `ms`. */
function within(p: Promise<boolean>, ms: number): Promise<boolean> {
  return Promise.race([p, new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
}

function close(server: net.Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

t.test('something listening: resolves once the listener has the connection', async (t) => {
  const dir = mkdtempSync('/tmp/ksp-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const s = net.createServer((c) => c.on('error', () => undefined));
  await listen(s, path.join(dir, 'a.sock'));
  t.teardown(() => close(s));
  const reached = new Promise<void>((r) => s.once('connection', () => r()));
  await dialProbe(parseEndpoint(`unix://${dir}/a.sock`), Date.now() + 5000);
  await reached;
  const tcp = net.createServer((c) => c.on('error', () => undefined));
  await listen(tcp, 0);
  t.teardown(() => close(tcp));
  const tcpReached = new Promise<boolean>((r) => tcp.once('connection', () => r(true)));
  await dialProbe(parseEndpoint(`127.0.0.1:${(tcp.address() as net.AddressInfo).port}`), Date.now() + 5000);
  t.ok(await within(tcpReached, 5000), 'the TCP listener had the connection');
});

t.test('refused TCP port: KS_AGENT_UNREACHABLE saying nothing listens there, long before the timeout', async (t) => {
  const port = await freePort();
  const t0 = Date.now();
  await t.rejects(dialProbe(parseEndpoint(`127.0.0.1:${port}`), Date.now() + 60_000), {
    code: 'KS_AGENT_UNREACHABLE',
    message: new RegExp(`^connection refused: nothing listens at 127\\.0\\.0\\.1:${port} `),
    details: { errno: 'ECONNREFUSED', endpoint: `127.0.0.1:${port}` },
  });
  t.ok(Date.now() - t0 < 30_000, 'not the 60 s timeout');
});

t.test('an agent that comes up within the retry window is reached (restart)', async (t) => {
  const port = await freePort();
  const s = net.createServer((c) => c.on('error', () => undefined));
  t.teardown(() => close(s));
  // The first dial goes out at once and is refused; the listener comes up well before the
  // retries end, and its timer fires before the first retry's (same event loop), even under load.
  let upAt = 0;
  const later = new Promise<void>((r) =>
    setTimeout(() => void listen(s, port).then(() => r(void (upAt = Date.now()))), REFUSED_RETRY_MS / 10),
  );
  const reached = new Promise<boolean>((r) => s.once('connection', () => r(true)));
  await dialProbe(parseEndpoint(`127.0.0.1:${port}`), Date.now() + 60_000);
  const doneAt = Date.now();
  await later;
  t.ok(upAt > 0 && doneAt >= upAt, `resolved only after the listener came up ${REFUSED_RETRY_MS / 10} ms later`);
  t.ok(await within(reached, 5000), 'and the listener had the connection');
});

t.test('a socket file left by a dead agent: refused, said to be left over', async (t) => {
  const dir = mkdtempSync('/tmp/ksp-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const s = net.createServer();
  await listen(s, path.join(dir, 'live.sock'));
  renameSync(path.join(dir, 'live.sock'), path.join(dir, 'stale.sock')); // the file outlives its listener
  await close(s);
  await t.rejects(dialProbe(parseEndpoint(`unix://${dir}/stale.sock`), Date.now() + 60_000), {
    code: 'KS_AGENT_UNREACHABLE',
    message: /^connection refused: socket \/tmp\/ksp-\w+\/stale\.sock is left over from an agent that is no longer running/,
  });
  await t.rejects(dialProbe(parseEndpoint(`unix://${dir}/none.sock`), Date.now() + 60_000), {
    message: /^no agent socket at .*none\.sock/,
  });
  writeFileSync(path.join(dir, 'file.sock'), '');
  await t.rejects(dialProbe(parseEndpoint(`unix://${dir}/file.sock`), Date.now() + 60_000), {
    message: /^\/tmp\/ksp-\w+\/file\.sock is not a socket/,
    details: { errno: 'ENOTSOCK' },
  });
});

t.test('a caller who may not open the socket is told so (run as nobody)', async (t) => {
  const dir = mkdtempSync('/tmp/ksp-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  // The agent's layout (socket 0600 in a 0700 dir, so nobody cannot even stat it), and a
  // socket nobody can see but not open.
  const hidden = path.join(dir, 'run');
  mkdirSync(hidden, { mode: 0o700 });
  const probe = path.join(packageRoot(), 'dist', 'agent', 'client', 'dial-probe.js');
  const endpoint = path.join(packageRoot(), 'dist', 'agent', 'shared', 'endpoint.js');
  for (const sock of [path.join(hidden, 'agent.sock'), path.join(dir, 'agent.sock')]) {
    const s = net.createServer((c) => c.on('error', () => undefined));
    await listen(s, sock);
    t.teardown(() => close(s));
    chmodSync(sock, 0o600);
    // Load the modules as root (the checkout may sit where nobody cannot read), then drop to nobody.
    const script = [
      `const { dialProbe } = require(${JSON.stringify(probe)});`,
      `const { parseEndpoint } = require(${JSON.stringify(endpoint)});`,
      'process.setgroups([]); process.setgid(65534); process.setuid(65534);',
      `dialProbe(parseEndpoint(${JSON.stringify(sock)}), Date.now() + 30000).then(() => console.log('connected'), (e) => console.log(e.code + ' ' + e.message));`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: '/', env: { PATH: process.env.PATH } });
    t.equal(r.status, 0, r.stderr);
    t.match(
      r.stdout,
      /^KS_AGENT_UNREACHABLE permission denied on socket \/tmp\/ksp-\w+\/(run\/)?agent\.sock: the agent's socket is for root only/,
      sock,
    );
  }
});

t.test('a name that does not resolve, and a deadline already past', async (t) => {
  await t.rejects(dialProbe(parseEndpoint('no-such-host.invalid:9443'), Date.now() + 20_000), {
    code: 'KS_AGENT_UNREACHABLE',
    // ENOTFOUND on a machine with a resolver; a resolver that never answers ends in "no answer".
    message: /^(cannot resolve no-such-host\.invalid: |no answer from no-such-host\.invalid:9443 within)/,
  });
  const port = await freePort();
  await t.rejects(dialProbe(parseEndpoint(`127.0.0.1:${port}`), Date.now() - 1), {
    message: /^no answer from 127\.0\.0\.1:\d+ within 0 s/,
  });
});
