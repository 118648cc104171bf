// The client's run loop against stand-in agents: printed output, exactly one JSON document,
// exit codes, and a fan-out in which one agent is unreachable and one is reached through a
// stale address (it refuses, because it is sent the name the operator paired with it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parseArgs } from '../../../agent/client/args';
import { run } from '../../../agent/client/run';
import { startFakeAgent } from '../../helpers/fake-agent';

async function cli(argv: string[], tty = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const parsed = parseArgs(argv, { env: {} });
  if (parsed.kind === 'exit') return { code: parsed.code, stdout: parsed.stdout, stderr: parsed.stderr };
  let stdout = '';
  let stderr = '';
  const code = await run(parsed.invocation, {
    stdout: { write: (s: string) => (stdout += s), isTTY: tty, columns: 120 },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

t.test('single agent: human output, --json, exit codes 0/1/2', async (t) => {
  const clean = await startFakeAgent({ nodeName: 'node1' });
  const dirty = await startFakeAgent({ nodeName: 'node2', held: [6443] });
  t.teardown(() => Promise.all([clean.close(), dirty.close()]));

  const ok = await cli(['--agent', clean.endpoint, 'reset', '--confirm', 'node1']);
  t.equal(ok.code, 0, 'verified clean → 0');
  t.match(ok.stdout, /▸ remove-pods: 2 actions planned\n {2}✓ stop-container 3f2a9c41d0be5 done/, 'live progress lines');
  t.match(ok.stdout, /✓ node1 verified clean/);
  t.notMatch(ok.stdout, /\x1b\[/, 'no control codes off a terminal');

  const bad = await cli(['--agent', dirty.endpoint, 'reset', '--confirm', 'node2']);
  t.equal(bad.code, 1, 'residue → 1');
  t.match(bad.stdout, /node2 is NOT clean/);
  t.match(bad.stdout, /127\.0\.0\.1:6443 held by pid 4242 .*pod kube-system\/nginx-proxy-node1/);

  const json = await cli(['--agent', dirty.endpoint, '--json', 'reset', '--confirm', 'node2']);
  t.equal(json.code, 1);
  const doc = JSON.parse(json.stdout);
  t.equal(doc.verification.verdict, 'residue', '--json prints the ResetReport');
  t.equal(doc.verification.residue[0].listeners[0].owners[0].pid, 4242);

  const refused = await cli(['--agent', clean.endpoint, 'reset', '--confirm', 'node9']);
  t.equal(refused.code, 2, 'guard refusal → 2');
  t.equal(refused.stdout, '', 'no progress printed for a refused reset');
  t.match(refused.stderr, /^kubesweep: unix:\/\/.*: refused \(KS_CONFIRM_MISMATCH\): confirm_node "node9" is not this node\n$/);

  const refusedJson = await cli(['--agent', clean.endpoint, '--json', 'stop-pods', '--confirm', 'node9']);
  t.equal(refusedJson.code, 2);
  t.same(
    JSON.parse(refusedJson.stdout).error,
    { kind: 'refused', code: 'KS_CONFIRM_MISMATCH', message: 'confirm_node "node9" is not this node (this agent runs on "node1")' },
    'one JSON document, even for an error',
  );

  const held = await cli(['--agent', dirty.endpoint, 'check-ports', '6443,179']);
  t.equal(held.code, 1, 'a held port → 1');
  t.match(held.stdout, /6443 +│ HELD/);
  const free = await cli(['--agent', dirty.endpoint, '--json', 'check-ports', '179']);
  t.equal(free.code, 0);
  t.same(JSON.parse(free.stdout), { allFree: true, ports: [{ port: 179, held: false, listeners: [] }] });

  const info = await cli(['--agent', clean.endpoint, 'info']);
  t.equal(info.code, 0);
  t.match(info.stdout, /containerd 1\.6\.20 \(CRI v1\)/);
  const busy = await cli(['--agent', clean.endpoint, 'wipe-manifests', '--confirm', 'node1']);
  t.equal(busy.code, 2, 'lock refusal → 2');
  t.match(busy.stderr, /refused \(KS_BUSY\)/);
  const none = await cli(['--agent', 'unix:///tmp/ksc-none/agent.sock', 'info']);
  t.equal(none.code, 2, 'connection failure → 2');
  t.match(none.stderr, /unreachable \(KS_AGENT_UNREACHABLE\): no agent socket at \/tmp\/ksc-none\/agent\.sock/);
});

t.test('on a terminal the reset shows a live status line', async (t) => {
  const clean = await startFakeAgent({ nodeName: 'node1' });
  t.teardown(() => clean.close());
  const r = await cli(['--agent', clean.endpoint, '--no-color', 'reset', '--confirm', 'node1'], true);
  t.equal(r.code, 0);
  t.match(r.stdout, /\x1b\[1G. remove-pods [█░]+ \d\/2 .*\x1b\[0K/, 'drawn in place');
  t.match(r.stdout, /\x1b\[1G\x1b\[0J[^\x1b]*$/, 'cleared before the result is printed');
});

t.test('fan-out over three agents: one unreachable, one stale address, each gets its own name', async (t) => {
  const a = await startFakeAgent({ nodeName: 'node1' });
  const b = await startFakeAgent({ nodeName: 'node2', held: [6443] });
  // The operator's file says node3 is at c's address, but c is now node4's agent (a stale
  // address): it must refuse, because it is sent "node3", never its own name.
  const c = await startFakeAgent({ nodeName: 'node4' });
  t.teardown(() => Promise.all([a.close(), b.close(), c.close()]));
  const dir = mkdtempSync('/tmp/ksc-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'fleet.txt');
  writeFileSync(file, `node1 ${a.endpoint}\nnode2 ${b.endpoint}\nnode3 ${c.endpoint}\nnode5 unix://${dir}/gone.sock\n`);

  const r = await cli(['--agents-file', file, '--parallel', '2', 'reset', '--confirm-each']);
  t.equal(r.code, 2, 'the worst node decides the exit code');
  t.same(a.confirms, ['node1']);
  t.same(b.confirms, ['node2']);
  t.same(c.confirms, ['node3'], "the stale agent was sent the operator's name");
  t.match(r.stdout, /\[node1\] ▸ remove-pods/, 'progress lines carry the node');
  t.match(r.stdout, /== node2 \(unix:\/\/.*\) ==\nreset of node2/);
  t.match(r.stdout, /node1 +│ unix:\S+ +│ clean +│ 0/);
  t.match(r.stdout, /node2 +│ unix:\S+ +│ NOT clean: 1 left \(ports 6443\) +│ 1/);
  t.match(r.stdout, /node3 +│ unix:\S+ +│ refused: confirm_node "node3" is not this node/);
  t.match(r.stdout, /node5 +│ unix:\S+ +│ unreachable: no agent socket/);

  const j = await cli(['--agents-file', file, '--json', 'check-ports', '6443']);
  t.equal(j.code, 2);
  const doc = JSON.parse(j.stdout);
  t.equal(doc.command, 'check-ports');
  t.equal(doc.exitCode, 2);
  t.same(
    doc.nodes.map((n: any) => [n.node, n.exitCode, n.result?.allFree ?? n.error.kind]),
    [
      ['node1', 0, true],
      ['node2', 1, false],
      ['node3', 0, true],
      ['node5', 2, 'unreachable'],
    ],
  );
  t.match(j.stderr, /node5|gone\.sock/, 'the unreachable node is also named on stderr');

  const fine = await cli(['--agent', `node1=${a.endpoint}`, '--agent', `node2=${b.endpoint}`, 'check-ports', '179']);
  t.equal(fine.code, 0, 'all free on all nodes → 0');
});
