// The gRPC server in-process, on real sockets, with an in-test engine: adapter, auth, guard,
// validation and error mapping as a client sees them.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t, { type Test } from 'tap';
import { resolveConfig, type AgentConfig } from '../../../../agent/daemon/config';
import { ksError } from '../../../../agent/shared/errors';
import { startGrpcServers, prepareUnixSocket } from '../../../../agent/daemon/server/grpc-server';
import { DestructiveLock } from '../../../../agent/daemon/destructive-lock';
import { createHandlers } from '../../../../agent/daemon/server/service';
import { isBackupId } from '../../../../agent/daemon/sweep/backup';
import { AgentTestClient, genCerts, tlsCreds } from '../../../helpers/agent';
import { freePort } from '../../../helpers/testbed';
import { captureLogger } from '../../../helpers/log-capture';
import { makeFakeEngine } from '../../../helpers/fake-engine';

const tmp = mkdtempSync('/tmp/kss-');
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const pki = genCerts(tmp, 'pki');
const foreign = genCerts(tmp, 'foreign', 'evil-ca');

async function serve(t: Test, opts: { tcp?: boolean } = {}) {
  const dir = mkdtempSync(path.join(tmp, 's-'));
  const sock = path.join(dir, 'run', 'agent.sock');
  const port = opts.tcp ? await freePort() : 0;
  const { config, problems } = resolveConfig({
    nodeName: 'node-1',
    listen: [`unix://${sock}`, ...(opts.tcp ? [`127.0.0.1:${port}`] : [])],
    tls: opts.tcp ? { cert: `${pki}/server.crt`, key: `${pki}/server.key`, clientCa: `${pki}/ca.crt` } : undefined,
    stateDir: path.join(dir, 'state'),
    manifestsDir: path.join(dir, 'manifests'),
    expectFreePorts: [6443, 10250],
  });
  t.same(problems, [], 'config valid');
  const engine = makeFakeEngine();
  const { log, lines } = captureLogger();
  const abort = new AbortController();
  let shuttingDown = false;
  const resets: unknown[] = [];
  const handlers = createHandlers({
    config: config as AgentConfig,
    engine,
    isBackupId,
    log,
    shutdownSignal: abort.signal,
    onReset: (r) => resets.push(r),
  });
  const servers = await startGrpcServers({
    config: config as AgentConfig,
    handlers,
    lock: new DestructiveLock(),
    log,
    isShuttingDown: () => shuttingDown,
  });
  servers.setServing(true);
  const clients: AgentTestClient[] = [];
  t.teardown(async () => {
    clients.forEach((c) => c.close());
    await servers.shutdown(2000);
  });
  const client = (creds?: grpc.ChannelCredentials, target?: string): AgentTestClient => {
    const c = new AgentTestClient(target ?? `unix://${sock}`, creds);
    clients.push(c);
    return c;
  };
  return { sock, dir, port, engine, lines, client, servers, resets, abort, setShuttingDown: (v: boolean) => (shuttingDown = v) };
}

t.test('unix socket: private socket, every RPC reaches the engine, one audit line per call', async (t) => {
  const s = await serve(t);
  t.equal(statSync(s.sock).mode & 0o777, 0o600, 'socket 0600');
  t.equal(statSync(path.dirname(s.sock)).mode & 0o777, 0o700, 'socket dir 0700');
  const c = s.client();
  t.equal(await c.healthCheck(), 'SERVING');
  t.equal(await c.healthCheck('kubesweep.v1.Agent'), 'SERVING');

  const info = await c.call('Info');
  t.match(info, {
    nodeName: 'node-1',
    criRuntimeName: 'containerd',
    criApiVersion: 'v1',
    expectFreePorts: [6443, 10250],
    facts: { cpus: 2, uptimeSeconds: '100' },
  });
  t.match(await c.call('ListPorts', { allNetns: true }), { listeners: [], netnsScanned: [{ host: true }] });
  s.engine.held.add(6443);
  const check = await c.call('CheckPorts', {});
  t.equal(check.allFree, false);
  t.same(
    check.ports.map((p: any) => [p.port, p.held]),
    [
      [6443, true],
      [10250, false],
    ],
    'empty request = configured ports',
  );
  t.match(check.ports[0].listeners[0].owners[0], { pid: 42, containerId: 'c1', residue: true });
  t.same(
    (await c.call('CheckPorts', { ports: [1234] })).ports.map((p: any) => p.port),
    [1234],
  );
  t.match(await c.call('Inspect'), {
    sandboxes: [{ name: 'kube-apiserver-node-1', kind: 'static', hostNetwork: true }],
    manifests: [{ name: 'kube-apiserver.yaml' }],
  });

  const out = await c.reset({ confirmNode: 'node-1', scope: ['static'], graceSeconds: 3 });
  t.equal(out.error, undefined);
  t.same(
    out.events.map((e) => e.type),
    ['step-started', 'item-done', 'step-finished'],
    'progress streamed before the report',
  );
  t.match(out.report, {
    runId: '20261129T100000Z-abcdef',
    requestedBy: 'unix-socket',
    verification: { verdict: 'clean', checkedPorts: [6443, 10250] },
    plan: { scope: ['static'], graceSeconds: 3 },
  });
  t.same(
    out.report.plan.steps[0].actions[0].detail,
    { name: '"kube-apiserver.yaml"', size: '1', sha256: '"x"' },
    'plan details are JSON texts',
  );
  t.match(s.engine.calls.find((x) => x.method === 'reset')!.args, {
    dryRun: false,
    scope: ['static'],
    graceSeconds: 3,
    requestedBy: 'unix-socket',
    expectFreePorts: [6443, 10250],
  });

  for (const [m, steps] of [
    ['StopPods', ['remove-pods', 'kill-shims']],
    ['WipeManifests', ['backup-manifests']],
    ['RemoveNetns', ['remove-netns']],
  ] as const) {
    const r = await c.call(m, { confirmNode: 'node-1' });
    t.equal(r.report.verification.verdict, 'clean', `${m} returns the report`);
    t.same((s.engine.calls.at(-1)!.args as any).steps, steps, `${m} runs ${steps.join(', ')}`);
  }
  t.same(await c.call('RestoreManifests', { confirmNode: 'node-1', backupId: '20261129T110203Z-3fa9c1' }), {
    backupId: '20261129T110203Z-3fa9c1',
    restored: ['kube-apiserver.yaml'],
    unchanged: [],
  });
  t.equal(s.resets.length, 4, 'metrics hook saw each destructive run');

  const audit = s.lines.filter((l) => l.audit === 'call');
  t.same(
    audit.map((l) => l.method),
    ['Info', 'ListPorts', 'CheckPorts', 'CheckPorts', 'Inspect', 'Reset', 'StopPods', 'WipeManifests', 'RemoveNetns', 'RestoreManifests'],
  );
  t.ok(
    audit.every(
      (l) =>
        l.code === 'OK' &&
        l.identity === 'unix-socket' &&
        l.transport === 'unix' &&
        typeof l.durationMs === 'number' &&
        l.peer === `unix://${s.sock}`,
    ),
    'audit: identity, transport, peer (the socket), code, duration',
  );
  t.ok(
    s.lines.some((l) => l.audit === 'destructive' && l.phase === 'start' && l.method === 'Reset'),
    'destructive start audited',
  );
  t.ok(
    s.lines.some((l) => l.audit === 'action' && l.action === 'remove-sandbox' && l.outcome === 'done'),
    'each destructive action audited',
  );
});

t.test('guard: wrong node, missing node, busy; dry runs need no confirmation and no lock', async (t) => {
  const s = await serve(t);
  const c = s.client();
  for (const confirmNode of ['', 'node-2', 'NODE-1']) {
    const out = await c.reset({ confirmNode });
    t.match(
      out.error,
      { code: grpc.status.FAILED_PRECONDITION, ksCode: 'KS_CONFIRM_MISMATCH' },
      `Reset confirm ${JSON.stringify(confirmNode)}`,
    );
    t.match(await c.callError('StopPods', { confirmNode }), { code: grpc.status.FAILED_PRECONDITION });
    t.match(await c.callError('RestoreManifests', { confirmNode }), { code: grpc.status.FAILED_PRECONDITION });
  }
  t.equal(s.engine.calls.filter((x) => x.method === 'reset' || x.method === 'restoreManifests').length, 0, 'nothing touched');

  let open!: () => void;
  s.engine.gate = new Promise((r) => (open = r));
  const first = c.reset({ confirmNode: 'node-1' });
  await new Promise((r) => setTimeout(r, 200));
  const second = await c.reset({ confirmNode: 'node-1' });
  t.match(second.error, { code: grpc.status.ABORTED, ksCode: 'KS_BUSY' }, 'second Reset ABORTED');
  t.match(await c.callError('WipeManifests', { confirmNode: 'node-1' }), { code: grpc.status.ABORTED }, 'a step during a reset ABORTED');
  t.match(await c.callError('RestoreManifests', { confirmNode: 'node-1' }), { code: grpc.status.ABORTED });
  const dry = await c.reset({ dryRun: true });
  t.equal(dry.error, undefined, 'a dry run is neither confirmed nor locked');
  t.equal(dry.report.dryRun, true);
  open();
  t.equal((await first).report.verification.verdict, 'clean', 'first reset finishes');
  s.engine.gate = undefined;
  t.equal((await c.reset({ confirmNode: 'node-1' })).error, undefined, 'lock released afterwards');
});

t.test('errors map through the registry; malformed requests are INVALID_ARGUMENT', async (t) => {
  const s = await serve(t);
  const c = s.client();
  s.engine.failReset = ksError('KS_CRI_UNAVAILABLE', 'no CRI socket at /x');
  t.match((await c.reset({ confirmNode: 'node-1' })).error, {
    code: grpc.status.UNAVAILABLE,
    ksCode: 'KS_CRI_UNAVAILABLE',
    details: /no CRI socket/,
  });
  s.engine.failReset = new Error('secret internals at /some/path');
  const internal = (await c.reset({ confirmNode: 'node-1' })).error!;
  t.match(internal, { code: grpc.status.INTERNAL, ksCode: 'KS_INTERNAL' });
  t.notMatch(internal.details, /secret|\/some\/path|at /, 'no message or stack leaked');
  t.ok(
    s.lines.some((l) => l.msg === 'internal error' && /secret internals/.test(JSON.stringify(l.err))),
    'but logged',
  );
  s.engine.failReset = undefined;

  t.match(await c.rawCall('Info', Buffer.from([0xff, 0xff, 0xff])), { code: grpc.status.INVALID_ARGUMENT, ksCode: 'KS_INVALID_ARGUMENT' });
  t.match(await c.rawReset(Buffer.from([0x0a, 0x50, 0x41])), { code: grpc.status.INVALID_ARGUMENT }, 'truncated Reset');
  t.match(await c.callError('CheckPorts', { ports: [70000] }), { code: grpc.status.INVALID_ARGUMENT, details: /port out of range/ });
  t.match(await c.callError('RestoreManifests', { confirmNode: 'node-1', backupId: '../../etc' }), { code: grpc.status.INVALID_ARGUMENT });
  t.match((await c.reset({ confirmNode: 'node-1', scope: ['everything'] })).error, { code: grpc.status.INVALID_ARGUMENT });
  t.match(await c.rawCall('ListPorts', Buffer.alloc(128 * 1024, 1)), { code: grpc.status.RESOURCE_EXHAUSTED }, 'oversized request');
  t.equal(s.engine.calls.filter((x) => x.method === 'restoreManifests').length, 0);
  t.equal(await c.healthCheck(), 'SERVING', 'still healthy');

  s.setShuttingDown(true);
  t.match(await c.callError('Info'), { code: grpc.status.UNAVAILABLE, ksCode: 'KS_SHUTTING_DOWN' });
});

t.test('mutual TLS: roles from the certificate; no cert or a foreign CA cannot connect', async (t) => {
  const s = await serve(t, { tcp: true });
  const target = `127.0.0.1:${s.port}`;
  const admin = s.client(tlsCreds(pki, 'admin'), target);
  const reader = s.client(tlsCreds(pki, 'reader'), target);
  const nobody = s.client(tlsCreds(pki, 'nobody'), target);

  t.equal(await admin.healthCheck(), 'SERVING');
  t.equal((await admin.call('Info')).nodeName, 'node-1');
  const r = await admin.reset({ confirmNode: 'node-1' });
  t.equal(r.report.requestedBy, 'CN=kubesweep-admin', 'identity from the certificate');

  t.equal((await reader.call('Info')).nodeName, 'node-1', 'reader reads');
  t.ok((await reader.call('CheckPorts', {})).ports, 'reader checks ports');
  t.equal((await reader.reset({ dryRun: true })).report.dryRun, true, 'reader may dry-run');
  const before = s.engine.calls.filter((x) => x.method === 'reset' && !(x.args as any).dryRun).length;
  t.match((await reader.reset({ confirmNode: 'node-1' })).error, { code: grpc.status.PERMISSION_DENIED, ksCode: 'KS_PERMISSION_DENIED' });
  t.match(await reader.callError('StopPods', { confirmNode: 'node-1' }), { code: grpc.status.PERMISSION_DENIED });
  t.match(await reader.callError('RestoreManifests', { confirmNode: 'node-1' }), { code: grpc.status.PERMISSION_DENIED });
  t.match(await nobody.callError('Info'), { code: grpc.status.PERMISSION_DENIED, details: /no role/ });
  t.equal(s.engine.calls.filter((x) => x.method === 'reset' && !(x.args as any).dryRun).length, before, 'refused calls touched nothing');

  const noCert = s.client(tlsCreds(pki, undefined), target);
  t.match(await noCert.callError('Info', {}, 5000), { code: grpc.status.UNAVAILABLE }, 'no client cert: handshake refused');
  const evil = s.client(tlsCreds(foreign, 'admin', pki), target);
  t.match(await evil.callError('Info', {}, 5000), { code: grpc.status.UNAVAILABLE }, 'client cert from another CA: refused');
  const plaintext = s.client(grpc.credentials.createInsecure(), target);
  t.match(await plaintext.callError('Info', {}, 5000), { code: grpc.status.UNAVAILABLE }, 'plaintext to the TLS port: refused');
  const audit = s.lines.filter((l) => l.audit === 'call' && l.transport === 'tls');
  t.ok(
    audit.some((l) => l.identity === 'CN=kubesweep-reader' && l.code === 'PERMISSION_DENIED'),
    'refusals audited with identity',
  );
});

t.test('socket preparation refuses unsafe places and live sockets, clears stale ones', async (t) => {
  const dir = mkdtempSync(path.join(tmp, 'p-'));
  const open = path.join(dir, 'open');
  mkdirSync(open, { mode: 0o755 });
  await t.rejects(
    prepareUnixSocket(path.join(open, 'a.sock')),
    { code: 'KS_CONFIG_INVALID', message: /mode 0700/ },
    'a group/world-readable dir is refused, not chmodded',
  );
  t.equal(statSync(open).mode & 0o777, 0o755, 'and left alone');
  const priv = path.join(dir, 'priv');
  mkdirSync(priv, { mode: 0o700 });
  writeFileSync(path.join(priv, 'file.sock'), 'x');
  await t.rejects(prepareUnixSocket(path.join(priv, 'file.sock')), { message: /not a socket/ });
  const live = net.createServer().listen(path.join(priv, 'live.sock'));
  await new Promise((r) => live.once('listening', r));
  await t.rejects(prepareUnixSocket(path.join(priv, 'live.sock')), { message: /another process is listening/ });
  live.close();
  const stale = net.createServer().listen(path.join(priv, 'stale.sock'));
  await new Promise((r) => stale.once('listening', r));
  // Simulate a crashed agent: the socket file stays, nobody answers.
  (stale as any)._handle?.close?.();
  await prepareUnixSocket(path.join(priv, 'stale.sock')).catch((e) => t.fail(String(e)));
  await prepareUnixSocket(path.join(dir, 'new', 'deeper', 'x.sock'));
  t.equal(statSync(path.join(dir, 'new', 'deeper')).mode & 0o777, 0o700, 'created 0700');
});
