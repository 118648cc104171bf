import t from 'tap';
import { buildHttpServer } from '../../../../agent/daemon/server/http';
import { createMetrics } from '../../../../agent/daemon/server/metrics';
import { parsePromText } from '../../../helpers/prom-text';
import { captureLogger } from '../../../helpers/log-capture';
import { makeFakeEngine } from '../../../helpers/fake-engine';

function build(opts: { shuttingDown?: boolean; showOwners?: boolean; maxInflight?: number } = {}) {
  const engine = makeFakeEngine();
  const { log, lines } = captureLogger();
  const metrics = createMetrics({ engine, expectFreePorts: [6443, 10250], nodeName: 'node-1', version: '0.1.0' });
  const app = buildHttpServer({
    engine,
    metrics,
    expectFreePorts: [6443, 10250],
    log,
    isShuttingDown: () => opts.shuttingDown === true,
    showOwners: opts.showOwners,
    ...(opts.maxInflight ? { readLimits: { maxInflight: opts.maxInflight, maxRssBytes: 2 ** 40 } } : {}),
  });
  return { engine, metrics, app, lines };
}

t.test('healthz, readyz follow the CRI', async (t) => {
  const { app, engine } = build();
  t.teardown(() => app.close());
  t.same((await app.inject('/healthz')).json(), { status: 'alive' });
  const ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { ready: true, cri: { runtimeName: 'containerd', apiVersion: 'v1' } });
  engine.criDown = true;
  const notReady = await app.inject('/readyz');
  t.equal(notReady.statusCode, 503);
  t.match(notReady.json(), { ready: false, error: { code: 'KS_INTERNAL' } });
  const closing = build({ shuttingDown: true });
  t.equal((await closing.app.inject('/readyz')).statusCode, 503, 'not ready while shutting down');
});

t.test('by default /ports and /ports/check say what `ss -ltn` says: no owners, inodes or other netns', async (t) => {
  const { app, engine } = build();
  t.teardown(() => app.close());
  engine.held.add(6443);
  const ports = await app.inject('/ports');
  t.equal(ports.statusCode, 200);
  const l = ports.json().listeners[0];
  t.same(Object.keys(l).sort(), ['address', 'family', 'port', 'protocol'], 'a listener: protocol, family, address, port only');
  t.equal(l.port, 6443);
  t.same(Object.keys(ports.json()).sort(), ['generatedAt', 'listeners']);
  const denied = await app.inject('/ports?all_netns=true');
  t.equal(denied.statusCode, 403, 'other network namespaces: refused');
  t.equal(denied.json().error.code, 'KS_PERMISSION_DENIED');
  const held = await app.inject('/ports/check');
  t.equal(held.statusCode, 503);
  t.same(held.json(), {
    allFree: false,
    ports: [
      { port: 6443, held: true, listeners: [{ protocol: l.protocol, family: l.family, address: l.address, port: 6443 }] },
      { port: 10250, held: false, listeners: [] },
    ],
  });
  for (const r of [ports, held]) t.notMatch(r.body, /pid|command|container|pod|inode|netns|owner/i, 'no owner facts anywhere in the body');
});

t.test('requests beyond the in-flight limit get 429 at once; /healthz never does', async (t) => {
  const { app, engine } = build({ maxInflight: 2 });
  t.teardown(() => app.close());
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const orig = engine.listPorts.bind(engine);
  engine.listPorts = async (o) => {
    await gate;
    return orig(o);
  };
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const slow = [fetch(`${base}/ports`), fetch(`${base}/ports`)];
  await new Promise((r) => setTimeout(r, 100));
  const third = await fetch(`${base}/ports/check?ports=1`);
  t.equal(third.status, 429, 'a third request while two are in flight');
  t.equal(third.headers.get('retry-after'), '1');
  t.match(await third.json(), { error: { code: 'KS_RESOURCE_EXHAUSTED', message: /2 read calls already in flight on HTTP \(limit 2\)/ } });
  t.equal((await fetch(`${base}/healthz`)).status, 200, '/healthz is answered regardless');
  release();
  for (const r of await Promise.all(slow)) t.equal(r.status, 200);
  t.equal((await fetch(`${base}/ports/check?ports=1`)).status, 200, 'admitted again once they finished');
});

t.test('with httpOwners: the whole documents, all netns included; 400 on bad input', async (t) => {
  const { app, engine } = build({ showOwners: true });
  t.teardown(() => app.close());
  engine.held.add(6443);
  const ports = await app.inject('/ports?all_netns=true');
  t.equal(ports.statusCode, 200);
  t.equal(ports.json().listeners[0].port, 6443);
  t.same(engine.calls.find((c) => c.method === 'listPorts')!.args, { allNetns: true });
  t.equal((await app.inject('/ports?all_netns=perhaps')).statusCode, 400);

  const free = await app.inject('/ports/check?ports=10250,10256');
  t.equal(free.statusCode, 200);
  t.same(
    free.json().ports.map((p: any) => p.port),
    [10250, 10256],
  );
  const held = await app.inject('/ports/check');
  t.equal(held.statusCode, 503, 'the configured set includes a held port');
  t.match(held.json(), {
    allFree: false,
    ports: [
      { port: 6443, held: true, listeners: [{ owners: [{ pid: 42, containerId: 'c1' }] }] },
      { port: 10250, held: false },
    ],
  });
  for (const bad of ['ports=x', 'ports=0', 'ports=70000', 'ports=1&ports=2', `ports=${'1,'.repeat(2000)}1`]) {
    const r = await app.inject(`/ports/check?${bad}`);
    t.equal(r.statusCode, 400, bad.slice(0, 30));
    t.equal(r.json().error.code, 'KS_INVALID_ARGUMENT');
  }
  t.equal((await app.inject({ method: 'POST', url: '/ports/check' })).statusCode, 404, 'read-only: no POST routes');
  t.equal((await app.inject('/../../etc/passwd')).statusCode, 404);
});

t.test('/metrics parses as Prometheus text and carries the agent figures', async (t) => {
  const { app, engine, metrics } = build();
  t.teardown(() => app.close());
  engine.held.add(10250);
  metrics.recordReset({ report: { verification: { verdict: 'clean', residue: [], checkedPorts: [] } } as any });
  metrics.recordReset({ error: new Error('x') });
  metrics.recordCall('Info', 'OK', 3);
  const checksBefore = engine.calls.filter((c) => c.method === 'checkPorts').length;
  const r = await app.inject('/metrics');
  t.equal(engine.calls.filter((c) => c.method === 'checkPorts').length - checksBefore, 1, 'one port check per scrape');
  t.equal(r.statusCode, 200);
  t.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const { samples, types } = parsePromText(r.body);
  const one = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  t.equal(types.get('kubesweep_resets_total'), 'counter');
  t.equal(one('kubesweep_resets_total', { result: 'clean' }), 1);
  t.equal(one('kubesweep_resets_total', { result: 'failed' }), 1);
  t.equal(one('kubesweep_resets_total', { result: 'residue' }), 0);
  t.equal(one('kubesweep_last_reset_result', { result: 'failed' }), 1);
  t.equal(one('kubesweep_last_reset_result', { result: 'clean' }), 0);
  t.ok(one('kubesweep_last_reset_timestamp_seconds')! > 1.7e9);
  t.equal(one('kubesweep_listening_ports', { protocol: 'tcp' }), 1);
  t.equal(one('kubesweep_expected_port_held', { port: '10250' }), 1);
  t.equal(one('kubesweep_expected_port_held', { port: '6443' }), 0);
  t.equal(one('kubesweep_expected_ports_held'), 1);
  t.equal(one('kubesweep_grpc_calls_total', { method: 'Info', code: 'OK' }), 1);
  t.ok(one('kubesweep_agent_process_resident_memory_bytes')! > 0, 'process metrics');
  t.equal(one('kubesweep_agent_info', { version: '0.1.0', node: 'node-1' }), 1);
  t.throws(() => parsePromText('kubesweep_x 1\n'), /without a TYPE/, 'the checker is strict');
  t.throws(() => parsePromText('# TYPE a gauge\na{b="c"} one\n'), /bad/);
});

t.test('a real listen on 127.0.0.1', async (t) => {
  const { app, engine } = build();
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address() as { port: number };
  const base = `http://127.0.0.1:${addr.port}`;
  t.equal((await fetch(`${base}/healthz`)).status, 200);
  engine.held.add(6443);
  const r = await fetch(`${base}/ports/check?ports=6443`);
  t.equal(r.status, 503);
  t.equal(((await r.json()) as any).ports[0].held, true);
  const m = await fetch(`${base}/metrics`);
  const text = await m.text();
  t.doesNotThrow(() => parsePromText(text));
});

t.test('the Host header must name this agent: an address, localhost or the node name (DNS rebinding)', async (t) => {
  const engine = makeFakeEngine();
  const { log } = captureLogger();
  const metrics = createMetrics({ engine, expectFreePorts: [], nodeName: 'node-1', version: '0' });
  const app = buildHttpServer({ engine, metrics, expectFreePorts: [], log, isShuttingDown: () => false, hostNames: ['node-1', 'Host-A'] });
  t.teardown(() => app.close());
  for (const host of ['127.0.0.1:9808', '10.0.0.2', '[::1]:9808', 'localhost:9808', 'node-1', 'NODE-1:9808', 'host-a', 'host-a.'])
    t.equal((await app.inject({ url: '/ports', headers: { host } })).statusCode, 200, `${host} answered`);
  for (const host of [
    'evil.example.com',
    'node-10',
    'node-1.attacker.example',
    'localhost.attacker.example',
    '127.0.0.1.attacker.example',
  ]) {
    const r = await app.inject({ url: '/metrics', headers: { host } });
    t.equal(r.statusCode, 421, `${JSON.stringify(host)} refused`);
  }
  t.equal((await app.inject({ url: '/healthz', headers: { host: 'evil.example.com' } })).statusCode, 200, 'liveness answers any Host');
});
