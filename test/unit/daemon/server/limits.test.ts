// Read admission and coalescing (server/limits.ts), and the adapter refusing reads beyond the
// limit with RESOURCE_EXHAUSTED while a destructive call still gets through, on a real gRPC
// server over a unix socket.
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { resolveConfig, type AgentConfig } from '../../../../agent/daemon/config';
import { isReadCall } from '../../../../agent/daemon/server/adapter';
import { startGrpcServers } from '../../../../agent/daemon/server/grpc-server';
import { DestructiveLock } from '../../../../agent/daemon/destructive-lock';
import { coalesce, ReadAdmission } from '../../../../agent/daemon/server/limits';
import { createHandlers } from '../../../../agent/daemon/server/service';
import { isBackupId } from '../../../../agent/daemon/sweep/backup';
import { AgentTestClient } from '../../../helpers/agent';
import { captureLogger } from '../../../helpers/log-capture';
import { makeFakeEngine } from '../../../helpers/fake-engine';

t.test('ReadAdmission: in-flight cap, memory bound, release once', async (t) => {
  let rss = 100;
  const a = new ReadAdmission('gRPC', { maxInflight: 2, maxRssBytes: 1000 }, () => rss);
  const r1 = a.admit('ListPorts');
  const r2 = a.admit('Info');
  t.throws(() => a.admit('Inspect'), {
    code: 'KS_RESOURCE_EXHAUSTED',
    message: /Inspect: 2 read calls already in flight on gRPC \(limit 2\)/,
  });
  r1();
  r1();
  t.equal(a.inflight, 1, 'a release counts once');
  rss = 5 * 1048576;
  t.throws(() => a.admit('Info'), {
    code: 'KS_RESOURCE_EXHAUSTED',
    details: { limit: 'memory' },
    message: /uses 5 MiB, over its bound of 0 MiB/,
  });
  rss = 10;
  const r3 = a.admit('Info');
  t.equal(a.inflight, 2);
  t.equal(a.refused, 2);
  r2();
  r3();
  t.equal(a.inflight, 0);
});

t.test('coalesce: concurrent identical calls share one run; the next call runs afresh', async (t) => {
  let runs = 0;
  const gates = new Map<string, () => void>();
  const f = coalesce(
    async (k: string) => {
      const n = ++runs;
      await new Promise<void>((r) => gates.set(k, r));
      return { k, n };
    },
    (k) => k,
  );
  const a = f('x');
  const b = f('x');
  const c = f('y');
  t.equal(runs, 2, 'x once, y once');
  gates.get('x')!();
  gates.get('y')!();
  const [ra, rb, rc] = await Promise.all([a, b, c]);
  t.equal(ra, rb, 'the same result object for both x callers');
  t.same(rc, { k: 'y', n: 2 });
  const again = f('x');
  t.equal(runs, 3, 'after the flight, a new run');
  gates.get('x')!();
  t.same(await again, { k: 'x', n: 3 });
  const failing = coalesce(
    async () => {
      throw new Error('boom');
    },
    () => 'k',
  );
  await t.rejects(failing(), /boom/);
  await t.rejects(failing(), /boom/, 'a failed flight is not kept');
});

t.test('isReadCall', async (t) => {
  for (const m of ['ListPorts', 'CheckPorts', 'Inspect', 'Info']) t.ok(isReadCall(m, {}), m);
  t.ok(isReadCall('Reset', { dryRun: true }), 'dry runs are reads');
  t.notOk(isReadCall('Reset', { dryRun: false, confirmNode: 'n' }), 'a reset is not');
  t.notOk(isReadCall('RestoreManifests', {}), 'a restore is not');
});

t.test('beyond maxReadCalls: RESOURCE_EXHAUSTED at once; a reset still runs', async (t) => {
  const dir = mkdtempSync('/tmp/ksl-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, 'run', 'agent.sock');
  const { config } = resolveConfig({
    nodeName: 'node-1',
    listen: [`unix://${sock}`],
    stateDir: path.join(dir, 'state'),
    manifestsDir: path.join(dir, 'm'),
  });
  const engine = makeFakeEngine();
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const orig = engine.listPorts.bind(engine);
  engine.listPorts = async (o) => {
    await gate;
    return orig(o);
  };
  const { log } = captureLogger();
  const handlers = createHandlers({ config: config as AgentConfig, engine, isBackupId, log, shutdownSignal: new AbortController().signal });
  const servers = await startGrpcServers({
    config: config as AgentConfig,
    handlers,
    lock: new DestructiveLock(),
    log,
    isShuttingDown: () => false,
    readLimits: { maxInflight: 3, maxRssBytes: 2 ** 40 },
  });
  servers.setServing(true);
  const c = new AgentTestClient(`unix://${sock}`);
  t.teardown(async () => {
    c.close();
    await servers.shutdown(2000);
  });
  const slow = [0, 1, 2].map(() => c.call('ListPorts', {}));
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  const refused = await c.callError('Info', {});
  t.match(refused, {
    code: grpc.status.RESOURCE_EXHAUSTED,
    ksCode: 'KS_RESOURCE_EXHAUSTED',
    details: /3 read calls already in flight on gRPC \(limit 3\)/,
  });
  t.ok(performance.now() - t0 < 1000, 'refused at once');
  t.match((await c.reset({ dryRun: true })).error, { code: grpc.status.RESOURCE_EXHAUSTED }, 'a dry run is a read');
  const reset = await c.reset({ confirmNode: 'node-1', graceSeconds: 0 });
  t.equal(reset.error, undefined, 'a reset is never refused by the read limit');
  open();
  for (const r of await Promise.all(slow)) t.ok(Array.isArray(r.listeners));
  t.ok((await c.call('Info', {})).nodeName, 'admitted again');
});
