import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import { CriClient, isNotFound } from '../../../../agent/daemon/cri/client';
import { isKubesweepError } from '../../../../agent/shared/errors';

function tmp(t: Test): string {
  const dir = mkdtempSync('/tmp/kst-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('missing socket: clear error naming the RPC, well within the deadline', async (t) => {
  const dir = tmp(t);
  const client = new CriClient({ endpoint: `unix://${dir}/nope.sock`, timeoutMs: 2000 });
  t.teardown(() => client.close());
  const started = Date.now();
  const err = await client.stopPodSandbox('abc123').catch((e: unknown) => e);
  t.ok(isKubesweepError(err, 'KS_CRI_UNAVAILABLE'), 'KS_CRI_UNAVAILABLE');
  t.match((err as Error).message, /CRI StopPodSandbox\(abc123\): no CRI socket at .*nope\.sock/);
  t.ok(Date.now() - started < 2000, 'fails before the deadline');
});

t.test('stale socket file nobody listens on: UNAVAILABLE within the deadline', async (t) => {
  const dir = tmp(t);
  const sock = path.join(dir, 'stale.sock');
  // A child binds the socket and is killed without closing it, so the file stays behind.
  spawnSync(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ]);
  const client = new CriClient({ endpoint: sock, timeoutMs: 3000 });
  t.teardown(() => client.close());
  const started = Date.now();
  const err = await client.listPodSandbox().catch((e: unknown) => e);
  t.ok(isKubesweepError(err), 'a kubesweep error');
  t.match((err as { code: string }).code, /^KS_CRI_(UNAVAILABLE|DEADLINE)$/);
  t.match((err as Error).message, /CRI ListPodSandbox/);
  t.ok(Date.now() - started <= 3500, 'no later than the deadline');
});

t.test('a listener that never answers: DEADLINE error names the RPC and id', async (t) => {
  const dir = tmp(t);
  const sock = path.join(dir, 'mute.sock');
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(sock, r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const client = new CriClient({ endpoint: `unix://${sock}`, timeoutMs: 500 });
  t.teardown(() => client.close());
  const err = await client.removeContainer('c0ffee').catch((e: unknown) => e);
  t.ok(isKubesweepError(err), 'a kubesweep error');
  t.match((err as Error).message, /CRI RemoveContainer\(c0ffee\)/);
  t.notOk(isNotFound(err), 'not mistaken for NOT_FOUND');
});
