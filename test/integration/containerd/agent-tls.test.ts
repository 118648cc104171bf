// The real agent over mutual TLS (certs from scripts/gen-certs.sh): an admin reaches every RPC
// and resets the node clean; refused with the right code and nothing changed: no client cert,
// a cert from another CA, a reader calling Reset, a wrong confirm_node, a second concurrent
// Reset (ABORTED). And the agent refuses to start a TCP listener without TLS material.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { AgentClient } from '../../../agent/client/agent-client';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { genCerts, mtlsListenArgs, snapshotTree, startAgent, testbedAgentArgs, tlsCreds, writeManifests } from '../../helpers/agent';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

t.test('mTLS: roles, guards and refusals against the real agent', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const pki = genCerts(tb.scratch, 'pki');
  const foreign = genCerts(tb.scratch, 'foreign', 'some-other-ca');
  const [P, tcp] = [await freePort(), await freePort()];
  const manifestsDir = path.join(tb.scratch, 'manifests');
  const stateDir = path.join(tb.scratch, 'state');
  writeManifests(manifestsDir);
  await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(P) }],
  });
  // A container that ignores SIGTERM: with a grace period the reset takes seconds, long
  // enough to try a second one meanwhile.
  await runPod(cri, tb, {
    name: 'calico-node-x1',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
  });
  await waitFor('port held', async () => !(await canBind(P)));

  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: [...testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir, expectFreePorts: [P] }), ...mtlsListenArgs(tcp, pki)],
  });
  const target = `127.0.0.1:${tcp}`;
  const admin = agent.client(tlsCreds(pki, 'admin'), target);
  const reader = agent.client(tlsCreds(pki, 'reader'), target);

  // What "nothing changed" means here: files, sandboxes, netns, the held port.
  const state = async () => ({
    files: snapshotTree(tb.scratch),
    sandboxes: (await cri.listPodSandbox()).map((s) => `${s.id}:${s.state}`).sort(),
    netns: readdirSync(tb.netnsDir).sort(),
    held: !(await canBind(P)),
  });
  const initial = await state();
  t.equal(initial.sandboxes.length, 2);

  // Every RPC over mTLS as admin (destructive ones as dry runs for now).
  t.equal(await admin.healthCheck(), 'SERVING');
  t.equal((await admin.call('Info')).nodeName, 'node1');
  t.ok((await admin.call('ListPorts', {})).listeners.some((l: any) => l.port === P));
  t.equal((await admin.call('CheckPorts', {})).allFree, false);
  t.equal((await admin.call('Inspect')).sandboxes.length, 2);
  for (const m of ['StopPods', 'WipeManifests', 'RemoveNetns'])
    t.equal((await admin.call(m, { dryRun: true })).report.dryRun, true, `${m} dry run`);
  t.equal((await admin.reset({ dryRun: true })).report.dryRun, true, 'Reset dry run');
  t.match(
    await admin.callError('RestoreManifests', { confirmNode: 'node1' }),
    { code: grpc.status.NOT_FOUND, ksCode: 'KS_BACKUP_NOT_FOUND' },
    'RestoreManifests reached (no backup yet)',
  );

  // Reader: reads and dry runs; Reset refused.
  t.equal((await reader.call('Info')).nodeName, 'node1');
  t.equal((await reader.reset({ dryRun: true })).report.dryRun, true);
  t.match(
    (await reader.reset({ confirmNode: 'node1' })).error,
    { code: grpc.status.PERMISSION_DENIED, ksCode: 'KS_PERMISSION_DENIED' },
    'reader calling Reset: PERMISSION_DENIED',
  );
  t.match(await reader.callError('WipeManifests', { confirmNode: 'node1' }), { code: grpc.status.PERMISSION_DENIED });

  // No client certificate / a certificate from another CA: the handshake is refused.
  const noCert = agent.client(tlsCreds(pki, undefined), target);
  t.match(
    await noCert.callError('Info', {}, 5000),
    { code: grpc.status.UNAVAILABLE },
    'no client cert: UNAVAILABLE (TLS handshake refused)',
  );
  t.match(
    (await noCert.reset({ confirmNode: 'node1' }, undefined, 5000)).error,
    { code: grpc.status.UNAVAILABLE },
    'no client cert: Reset refused',
  );
  const evil = agent.client(tlsCreds(foreign, 'admin', pki), target);
  t.match(
    (await evil.reset({ confirmNode: 'node1' }, undefined, 5000)).error,
    { code: grpc.status.UNAVAILABLE },
    'admin cert of another CA: Reset refused',
  );
  t.match(await evil.callError('StopPods', { confirmNode: 'node1' }, 5000), { code: grpc.status.UNAVAILABLE });

  // Wrong node.
  for (const confirmNode of ['node2', '', 'node1.']) {
    t.match(
      (await admin.reset({ confirmNode })).error,
      { code: grpc.status.FAILED_PRECONDITION, ksCode: 'KS_CONFIRM_MISMATCH' },
      `confirm_node ${JSON.stringify(confirmNode)}: FAILED_PRECONDITION`,
    );
  }
  t.same(await state(), initial, 'after all refusals: nothing changed');

  // Two resets at once: the second is ABORTED, the first ends clean.
  let progressed!: () => void;
  const started = new Promise<void>((r) => (progressed = r));
  const first = admin.reset({ confirmNode: 'node1', graceSeconds: 4 }, () => progressed());
  await started;
  const second = await admin.reset({ confirmNode: 'node1' });
  t.match(second.error, { code: grpc.status.ABORTED, ksCode: 'KS_BUSY' }, 'second concurrent Reset: ABORTED');
  const viaSocket = await agent.client().reset({ confirmNode: 'node1' });
  t.match(viaSocket.error, { code: grpc.status.ABORTED }, 'also across transports');
  t.match(
    await admin.callError('StopPods', { confirmNode: 'node1' }),
    { code: grpc.status.ABORTED },
    'a single step during a reset: ABORTED',
  );
  const done = await first;
  t.equal(done.error, undefined);
  t.equal(done.report.verification.verdict, 'clean', 'first reset ends clean');
  t.equal(done.report.requestedBy, 'CN=kubesweep-admin', 'requested by the admin certificate');
  t.ok(await canBind(P), 'port free');
  t.same(await cri.listPodSandbox(), []);

  const restored = await admin.call('RestoreManifests', { confirmNode: 'node1', backupId: done.report.backupId });
  t.equal(restored.restored.length, 3, 'RestoreManifests over mTLS');

  // The client's plain dial before its TLS handshake (dial-probe.ts) must not look like an
  // incident in the agent's log.
  const before = agent.logs.length;
  const client = new AgentClient({ endpoint: target, tls: { ca: `${pki}/ca.crt`, cert: `${pki}/admin.crt`, key: `${pki}/admin.key` } });
  t.teardown(() => client.close());
  t.equal((await client.info()).nodeName, 'node1', 'the kubesweep client reaches the agent over mTLS');
  await new Promise((r) => setTimeout(r, 300));
  t.same(
    agent.logs.slice(before).filter((l) => !(l.level < 40)),
    [],
    'no warning or error logged for the dial probe',
  );

  const audit = agent.logs.filter((l) => l.audit === 'call' && l.transport === 'tls');
  t.ok(
    audit.some((l) => l.identity === 'CN=kubesweep-reader' && l.method === 'Reset' && l.code === 'PERMISSION_DENIED'),
    'refusal audited with the caller identity',
  );
  t.ok(audit.some((l) => l.identity === 'CN=kubesweep-admin' && l.method === 'Reset' && l.code === 'ABORTED'));
});

t.test('the agent refuses to start a TCP listener without mutual TLS', async (t) => {
  const port = await freePort();
  const dir = mkdtempSync('/tmp/ksn-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const pki = genCerts(dir, 'pki');
  for (const extra of [
    [],
    ['--tls-cert', `${pki}/server.crt`, '--tls-key', `${pki}/server.key`],
    ['--tls-cert', `${pki}/server.crt`, '--tls-key', `${pki}/server.key`, '--tls-client-ca', `${dir}/missing.crt`],
  ]) {
    const agent = await startAgent(t, {
      dir,
      waitReady: false,
      args: [
        '--node-name',
        'node1',
        '--state-dir',
        `${dir}/state`,
        '--manifests-dir',
        `${dir}/m`,
        '--netns-dir',
        `${dir}/n`,
        '--listen',
        `127.0.0.1:${port}`,
        ...extra,
      ],
    });
    const { code } = await agent.exited;
    t.equal(code, 2, `exit 2 with ${extra.length / 2} TLS flags`);
    t.match(agent.stderr(), /TCP is mutual TLS only|missing: mutual TLS|not a readable file/);
    t.ok(await canBind(port), 'nothing listens on the port');
  }
});
