// The client against a stand-in agent on a temp unix socket (real grpc-js, real proto).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { AgentClient, agentErrorCode } from '../../../agent/client/agent-client';
import { apiDocument } from '../../../agent/shared/api-doc';
import type { Out } from '../../../agent/shared/api-types';
import { startFakeAgent } from '../../helpers/fake-agent';

t.test('every RPC decodes to the JSON documents; reset streams progress', async (t) => {
  const fake = await startFakeAgent({ nodeName: 'node1', held: [6443] });
  t.teardown(() => fake.close());
  const client = new AgentClient({ endpoint: fake.endpoint });
  t.teardown(() => client.close());

  const events: Out<'Progress'>[] = [];
  const report = await client.reset({ confirmNode: 'node1', scope: ['static'], graceSeconds: 0, expectFreePorts: [6443] }, (e) =>
    events.push(e),
  );
  t.same(
    events.map((e) => e.type),
    ['step-started', 'item-done', 'item-done', 'step-finished'],
  );
  t.match(events[0], { type: 'step-started', step: 'remove-pods', planned: 2 });
  t.equal(report.node, 'node1');
  t.same(report.plan?.scope, [], 'scope as sent');
  t.equal((apiDocument('ResetReport', report).plan as { scope: unknown }).scope, 'all', 'an empty scope list is "all" in the document');
  t.equal(report.verification?.verdict, 'residue');
  const listener = report.verification!.residue[0].listeners[0];
  t.equal(listener.inode, '123456', 'uint64 as a decimal string');
  t.equal((apiDocument('Listener', listener) as { inode: unknown }).inode, 123456, 'uint64 as a number in the document');
  t.equal(listener.netns?.inode, '4026531840');
  t.equal(listener.owners[0].pod?.kind, 'static');
  t.notOk('aborted' in report, 'unset optional fields stay absent');
  t.same(
    fake.requests[0],
    {
      rpc: 'Reset',
      confirmNode: 'node1',
      dryRun: false,
      scope: ['static'],
      graceSeconds: 0,
      expectFreePorts: [6443],
      withKinds: [],
      withoutKinds: [],
      _graceSeconds: 'graceSeconds',
    },
    'request as sent (grace 0 is sent, not dropped)',
  );

  const step = await client.stopPods({ confirmNode: 'node1' });
  t.equal(step.verification, null, 'a step report without verification');
  t.equal(step.steps[0].items[0].durationMs, 280);

  const check = await client.checkPorts([6443, 179]);
  t.same(
    check.ports.map((p) => [p.port, p.held]),
    [
      [6443, true],
      [179, false],
    ],
  );
  t.equal(check.allFree, false);
  const ports = await client.listPorts();
  t.equal(ports.listeners[0].port, 6443);
  t.same(ports.netnsScanned, [{ inode: '4026531840', host: true }]);
  const inv = await client.inspect();
  t.equal(inv.netns[0].inode, '4026532000');
  t.notOk('criError' in inv);
  const info = await client.info();
  t.equal(info.nodeName, 'node1');
  t.equal(info.facts?.memoryBytes, '25769803776');
  t.same(await client.restoreManifests('node1'), { backupId: 'b-newest', restored: ['kube-apiserver.yaml'], unchanged: [] });
});

t.test("refusals carry the agent's code; unknown errors keep the gRPC status", async (t) => {
  const fake = await startFakeAgent({ nodeName: 'node1' });
  t.teardown(() => fake.close());
  const client = new AgentClient({ endpoint: fake.endpoint });
  t.teardown(() => client.close());
  await t.rejects(client.reset({ confirmNode: 'node2' }), {
    code: 'KS_CONFIRM_MISMATCH',
    message: /confirm_node "node2" is not this node/,
  });
  await t.rejects(client.stopPods({ confirmNode: 'nodeX' }), { code: 'KS_CONFIRM_MISMATCH' });
  await t.rejects(client.wipeManifests({ confirmNode: 'node1' }), { code: 'KS_BUSY', message: /another destructive operation/ });
  await t.rejects(client.removeNetns({ confirmNode: 'node1' }), {
    code: 'KS_AGENT_CALL_FAILED',
    message: /RemoveNetns failed: INTERNAL: disk on fire/,
  });
  t.equal(
    agentErrorCode({ details: 'KS_PERMISSION_DENIED: role reader may not call Reset' }),
    'KS_PERMISSION_DENIED',
    'code from the message when there is no trailer',
  );
  t.equal(agentErrorCode({ details: 'KS_NOT_A_CODE' }), undefined);
});

t.test('unreachable agents: no socket, a regular file, a socket that never answers', async (t) => {
  const dir = mkdtempSync('/tmp/ksc-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const missing = new AgentClient({ endpoint: `unix://${dir}/none.sock` });
  t.teardown(() => missing.close());
  await t.rejects(missing.info(), { code: 'KS_AGENT_UNREACHABLE', message: /no agent socket at .*none\.sock/ });

  const regular = path.join(dir, 'file.sock');
  writeFileSync(regular, '');
  const notSock = new AgentClient({ endpoint: `unix://${regular}` });
  t.teardown(() => notSock.close());
  await t.rejects(notSock.info(), { code: 'KS_AGENT_UNREACHABLE' }, 'a regular file is not a socket');

  // A listener that accepts and hangs up: the channel never becomes ready.
  const sock = path.join(dir, 'mute.sock');
  const mute = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => mute.listen(sock, r));
  t.teardown(() => new Promise<void>((r) => mute.close(() => r())));
  const muted = new AgentClient({ endpoint: `unix://${sock}`, connectTimeoutMs: 1500 });
  t.teardown(() => muted.close());
  await t.rejects(muted.inspect(), { code: 'KS_AGENT_UNREACHABLE', message: /cannot connect to unix:\/\/.*mute\.sock within 1\.5 s/ });
});

t.test('TCP needs TLS files; unreadable files are reported by name', async (t) => {
  t.throws(() => new AgentClient({ endpoint: '127.0.0.1:9443' }), { code: 'KS_INVALID_ARGUMENT', message: /speaks only mutual TLS/ });
  t.throws(() => new AgentClient({ endpoint: '127.0.0.1:9443', tls: { ca: '/nonexistent/ca.pem', cert: '/x', key: '/y' } }), {
    code: 'KS_INVALID_ARGUMENT',
    message: /cannot read --tls-ca \/nonexistent\/ca\.pem/,
  });
  t.throws(() => new AgentClient({ endpoint: 'bad endpoint' }), { code: 'KS_INVALID_ARGUMENT' });
});
