// The kubesweep CLI (dist/agent/client/cli.js, as a process) against the real agent on the private
// containerd testbed: every command, --json shapes, exit codes 0/1/2, TLS on TCP, fan-out.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { fileInode } from '../../../agent/daemon/host/proc';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { testbedAgentArgs } from '../../../scripts/testbed/agent-args';
import type { Testbed } from '../../../scripts/testbed/testbed';
import { genCerts, runClient as kubesweep, startAgent, type ClientRun } from '../../helpers/agent';
import { canBind, heldPort, waitFor, withTestbed } from '../../helpers/testbed';
import { assertNewestRunKeptPlan } from '../../helpers/plan-check';

/**
 * A free loopback port below the kernel's ephemeral range (32768+), so that no other
 * process's outgoing or port-0 sockets grab it between our checks.
 */
async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 12000);
    if (await canBind(p)) return p;
  }
  throw new Error('no free port below the ephemeral range');
}

function json(r: ClientRun): any {
  try {
    return JSON.parse(r.stdout);
  } catch (err) {
    throw new Error(`stdout is not one JSON document (${(err as Error).message}):\n${r.stdout}\nstderr: ${r.stderr}`);
  }
}

function agentArgs(tb: Testbed, node: string, manifestsDir: string, stateDir: string, expectFree: number[]): string[] {
  return testbedAgentArgs(tb, { node, manifestsDir, stateDir, expectFreePorts: expectFree });
}

function manifests(dir: string, names: string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const n of names) writeFileSync(path.join(dir, n), `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${n.replace(/\.ya?ml$/, '')}\n`);
}

t.test('every command against a real agent: output, --json, exit codes', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const port = await freePort();
  const manifestsDir = path.join(tb.scratch, 'manifests');
  manifests(manifestsDir, ['kube-apiserver.yaml', 'nginx-proxy.yml']);
  await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(port) }],
  });
  await runPod(cri, tb, {
    name: 'calico-node-x1',
    kind: 'daemonset',
    hostNetwork: true,
    containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
  });
  await runPod(cri, tb, { name: 'web-1', kind: 'pod', hostNetwork: false, containers: [{ name: 'web', command: commands.sleep() }] });
  await waitFor(`port ${port} held`, async () => !(await canBind(port)));

  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: agentArgs(tb, 'node1', manifestsDir, path.join(tb.scratch, 'state'), [port]),
  });
  const ep = agent.socket;
  const ks = (args: string[]) => kubesweep(['--agent', ep, ...args]);

  // Read-only commands.
  const info = await ks(['info']);
  t.equal(info.code, 0, 'info → 0');
  t.match(info.stdout, /node +│ node1/);
  t.match(info.stdout, /containerd \S+ \(CRI v1\)/);
  const infoJson = json(await ks(['--json', 'info']));
  t.equal(infoJson.nodeName, 'node1');
  t.same(infoJson.expectFreePorts, [port]);
  t.equal(infoJson.manifestsDir, manifestsDir);
  const viaEnv = await kubesweep(['--json', 'info'], { KUBESWEEP_AGENT: ep });
  t.equal(json(viaEnv).nodeName, 'node1', 'KUBESWEEP_AGENT is the default endpoint');

  const ports = await ks(['ports']);
  t.equal(ports.code, 0);
  t.match(
    ports.stdout,
    new RegExp(
      `│ tcp +│ 127\\.0\\.0\\.1 +│ ${port} +│ host +│ \\d+ +│ /bin/busybox httpd[^│]*│ nginx-proxy +│ kube-system/nginx-proxy-node1 +│ static`,
    ),
  );
  const portsJson = json(await ks(['--json', 'ports', '--all-netns']));
  const l = portsJson.listeners.find((x: any) => x.port === port);
  t.equal(l.owners[0].pod.name, 'nginx-proxy-node1', 'ports --json: listener with its owning pod');
  t.ok(portsJson.netnsScanned.length >= 2, '--all-netns scans the pod netns too');

  const inspect = json(await ks(['--json', 'inspect']));
  t.equal(inspect.sandboxes.length, 3, 'inspect: 3 sandboxes');
  t.equal(inspect.netns.length, 1, 'inspect: 1 pod netns');
  t.same(inspect.manifests.map((m: any) => m.name).sort(), ['kube-apiserver.yaml', 'nginx-proxy.yml']);
  t.match((await ks(['inspect'])).stdout, /sandboxes \(3\)[\s\S]*kube-system\/nginx-proxy-node1 +│ static +│ host/);

  const held = await ks(['check-ports', String(port)]);
  t.equal(held.code, 1, 'check-ports with a held port → 1');
  t.match(held.stdout, /HELD[\s\S]*pod kube-system\/nginx-proxy-node1 \[static, host network\]/, 'names the pod holding it');
  const heldJson = json(await ks(['--json', 'check-ports']));
  t.same([heldJson.allFree, heldJson.ports[0].port, heldJson.ports[0].held], [false, port, true], "default: the agent's expected-free set");

  // The guard.
  const noConfirm = await ks(['reset']);
  t.equal(noConfirm.code, 2, 'reset without --confirm → 2');
  t.match(noConfirm.stderr, /^kubesweep: reset changes the node: add --confirm NODE/);
  t.equal(noConfirm.stderr.trim().split('\n').length, 1, 'one-line reason');
  const wrong = await ks(['reset', '--confirm', 'node2']);
  t.equal(wrong.code, 2, 'wrong node → 2');
  t.match(wrong.stderr, /refused \(KS_CONFIRM_MISMATCH\).*"node2".*"node1"/);
  t.equal((await cri.listPodSandbox()).length, 3, 'a refused reset touched nothing');

  // Dry run: the plan, nothing changed.
  const dry = await ks(['--json', 'reset', '--confirm', 'node1', '--dry-run']);
  t.equal(dry.code, 0, 'dry run → 0');
  const plan = json(dry);
  t.equal(plan.dryRun, true);
  t.ok(plan.plan.steps.find((s: any) => s.name === 'remove-pods').actions.length >= 3, 'the plan lists the pod removals');
  t.equal((await cri.listPodSandbox()).length, 3, 'a dry run removed nothing');
  t.match(
    (await ks(['reset', '--confirm', 'node1', '--dry-run'])).stdout,
    /dry run: nothing changed[\s\S]*remove-pods +│ [a-z-]+ +│ remove-sandbox +│ [0-9a-f]{13} +│ kube-system\/nginx-proxy-node1 \[static, host network\]/,
  );

  // Single steps.
  const stop = await ks(['--json', 'stop-pods', '--confirm', 'node1', '--scope', 'pod', '--grace', '1']);
  t.equal(stop.code, 0, 'stop-pods --scope pod → 0');
  t.same(
    (await cri.listPodSandbox()).map((s) => s.metadata?.name).sort(),
    ['calico-node-x1', 'nginx-proxy-node1'],
    'only the pod-kind pod removed',
  );
  const wipe = await ks(['--json', 'wipe-manifests', '--confirm', 'node1']);
  t.equal(wipe.code, 0, 'wipe-manifests → 0');
  const backupId = json(wipe).backupId;
  t.ok(backupId, 'wipe-manifests reports its backup');
  t.same(readdirSync(manifestsDir), [], 'manifests removed');
  const restore = await ks(['restore-manifests', '--confirm', 'node1', '--backup', backupId]);
  t.equal(restore.code, 0, 'restore-manifests → 0');
  t.match(restore.stdout, new RegExp(`restored backup ${backupId}: 2 files written`));
  t.same(readdirSync(manifestsDir).sort(), ['kube-apiserver.yaml', 'nginx-proxy.yml'], 'manifests back');
  // remove-netns: a leftover CNI netns of the testbed goes; a non-CNI netns in the same dir and a
  // CNI-named one outside it stay mounted.
  const leftover = path.join(tb.netnsDir, 'cni-leftover');
  const notCni = path.join(tb.netnsDir, 'my-netns');
  const outside = path.join(tb.scratch, 'cni-outside');
  const plain = new Map<string, number | undefined>();
  for (const f of [leftover, notCni, outside]) {
    writeFileSync(f, '');
    plain.set(f, fileInode(f));
    t.teardown(() => void spawnSync('umount', ['-l', f], { stdio: 'ignore' }));
    execFileSync('unshare', [`--net=${f}`, 'true']);
  }
  const mountedNs = (f: string) => existsSync(f) && fileInode(f) !== plain.get(f);
  t.ok([leftover, notCni, outside].every(mountedNs), 'three netns mounted');
  const rmNetns = await ks(['--json', 'remove-netns', '--confirm', 'node1']);
  t.equal(rmNetns.code, 0, 'remove-netns → 0');
  t.same(
    json(rmNetns)
      .steps.filter((s: any) => s.name === 'remove-netns')
      .flatMap((s: any) => s.items)
      .map((i: any) => `${i.action} ${i.target} ${i.outcome}`),
    [`remove-netns ${leftover} done`],
    'only the leftover CNI netns was acted on',
  );
  t.notOk(existsSync(leftover), 'the leftover CNI netns is gone');
  t.ok(mountedNs(notCni), 'a non-CNI netns in the same dir is still mounted');
  t.ok(mountedNs(outside), 'a CNI-named netns outside the netns dir is still mounted');

  // The whole reset: live progress, verified clean — and the plan its dry run showed.
  const planned = json(await ks(['--json', 'reset', '--confirm', 'node1', '--grace', '1', '--dry-run']));
  const reset = await ks(['reset', '--confirm', 'node1', '--grace', '1']);
  assertNewestRunKeptPlan(t, planned.plan, path.join(tb.scratch, 'state'));
  t.equal(reset.code, 0, 'verified clean → 0');
  t.match(reset.stdout, /▸ remove-pods: \d+ actions? planned\n( {2}[✓·] .*\n)+✓ remove-pods ok/, 'one line per action as it streams');
  t.match(reset.stdout, /✓ node1 verified clean — ports free: \d+/);
  t.match(reset.stdout, /manifests backed up as \S+/);
  t.equal((await ks(['check-ports'])).code, 0, 'check-ports afterwards → 0');
  t.ok(await canBind(port), 'the port is free');

  // Not clean: a port held by something no reset removes (this test process).
  const other = await heldPort(t);
  const dirty = await ks(['reset', '--confirm', 'node1', '--expect-free', `${port},${other}`]);
  t.equal(dirty.code, 1, 'a port still held after the reset → 1');
  t.match(
    dirty.stdout,
    new RegExp(`node1 is NOT clean[\\s\\S]*127\\.0\\.0\\.1:${other} held by pid ${process.pid} \\(`),
    'names the holder',
  );
  const dirtyJson = json(await ks(['--json', 'reset', '--confirm', 'node1', '--expect-free', String(other)]));
  t.equal(dirtyJson.verification.verdict, 'residue');
  t.equal(dirtyJson.verification.residue[0].listeners[0].owners[0].pid, process.pid);

  // Connection failure.
  const gone = await kubesweep(['--agent', `unix://${tb.scratch}/nobody.sock`, 'info']);
  t.equal(gone.code, 2, 'no agent → 2');
  t.match(gone.stderr, /^kubesweep: unix:\/\/\S+nobody\.sock: unreachable \(KS_AGENT_UNREACHABLE\): no agent socket/);
  const goneJson = await kubesweep(['--agent', `unix://${tb.scratch}/nobody.sock`, '--json', 'reset', '--confirm', 'node1']);
  t.equal(goneJson.code, 2);
  t.equal(json(goneJson).error.kind, 'unreachable', '--json still prints one document');
});

t.test('TCP is mutual TLS: admin may reset, reader may only read, no certs is a usage error', async (t) => {
  const tb = await withTestbed(t);
  const pki = genCerts(tb.scratch, 'pki');
  const port = await freePort();
  const manifestsDir = path.join(tb.scratch, 'manifests');
  manifests(manifestsDir, []);
  await startAgent(t, {
    dir: tb.scratch,
    args: [
      ...agentArgs(tb, 'node1', manifestsDir, path.join(tb.scratch, 'state'), [port]),
      '--listen',
      `127.0.0.1:${port}`,
      '--tls-cert',
      path.join(pki, 'server.crt'),
      '--tls-key',
      path.join(pki, 'server.key'),
      '--tls-client-ca',
      path.join(pki, 'ca.crt'),
    ],
  });
  const as = (who: string) => [
    '--agent',
    `127.0.0.1:${port}`,
    '--tls-ca',
    path.join(pki, 'ca.crt'),
    '--tls-cert',
    path.join(pki, `${who}.crt`),
    '--tls-key',
    path.join(pki, `${who}.key`),
  ];

  const info = await kubesweep([...as('reader'), '--json', 'info']);
  t.equal(info.code, 0, 'reader: info → 0');
  t.equal(json(info).nodeName, 'node1');
  const denied = await kubesweep([...as('reader'), 'reset', '--confirm', 'node1']);
  t.equal(denied.code, 2, 'reader: reset → 2');
  t.match(denied.stderr, /refused \(KS_PERMISSION_DENIED\)/);
  const admin = await kubesweep([...as('admin'), 'reset', '--confirm', 'node1', '--expect-free', String(await freePort())]);
  t.equal(admin.code, 0, 'admin: reset → 0');
  t.match(admin.stdout, /node1 verified clean/);
  const noTls = await kubesweep(['--agent', `127.0.0.1:${port}`, 'info']);
  t.equal(noTls.code, 2, 'TCP without TLS files → 2');
  t.match(noTls.stderr, /TCP endpoint: the agent speaks only mutual TLS there/);
  const otherCa = genCerts(tb.scratch, 'other', 'another-ca');
  const foreign = await kubesweep([
    '--agent',
    `127.0.0.1:${port}`,
    '--tls-ca',
    path.join(pki, 'ca.crt'),
    '--tls-cert',
    path.join(otherCa, 'admin.crt'),
    '--tls-key',
    path.join(otherCa, 'admin.key'),
    '--connect-timeout',
    '3',
    'info',
  ]);
  t.equal(foreign.code, 2, 'a client cert from another CA → 2');
});

t.test('fan-out over agents: clean, not clean, stale address, unreachable — each node named, worst exit code', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const port = await freePort();
  const held = await heldPort(t);
  await runPod(cri, tb, {
    name: 'nginx-proxy-node-a',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(port) }],
  });
  await runPod(cri, tb, {
    name: 'kube-proxy-a1',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'kube-proxy', command: commands.sleep() }],
  });
  await waitFor(`port ${port} held`, async () => !(await canBind(port)));

  // Three agents (node-a, node-b, node-c) on one containerd; --parallel 1 runs them in file order.
  const a = await startAgent(t, {
    dir: tb.scratch,
    args: agentArgs(tb, 'node-a', path.join(tb.scratch, 'm-a'), path.join(tb.scratch, 's-a'), [port]),
  });
  const b = await startAgent(t, {
    dir: tb.scratch,
    args: agentArgs(tb, 'node-b', path.join(tb.scratch, 'm-b'), path.join(tb.scratch, 's-b'), [held]),
  });
  const c = await startAgent(t, {
    dir: tb.scratch,
    args: agentArgs(tb, 'node-c', path.join(tb.scratch, 'm-c'), path.join(tb.scratch, 's-c'), [port]),
  });
  for (const d of ['m-a', 'm-b', 'm-c']) manifests(path.join(tb.scratch, d), []);
  const file = path.join(tb.scratch, 'fleet.txt');
  // node-x is where the operator believes node-x lives; that address now serves node-c.
  writeFileSync(
    file,
    `# nodes being removed\nnode-a ${a.socket}\nnode-b ${b.socket}\nnode-x ${c.socket}\nnode-d unix://${tb.scratch}/gone.sock\n`,
  );

  const usage = await kubesweep(['--agents-file', file, 'reset', '--confirm', 'node-a']);
  t.equal(usage.code, 2, '--confirm NODE with several agents → 2');
  t.match(usage.stderr, /use --confirm-each/);

  const r = await kubesweep(['--agents-file', file, '--parallel', '1', 'reset', '--confirm-each', '--grace', '1']);
  t.equal(r.code, 2, 'exit code of the worst node');
  t.match(r.stdout, /\[node-a\] ▸ remove-pods/, 'progress lines carry the node name');
  t.match(r.stdout, /== node-a \(unix:\S+\) ==\nreset of node-a[\s\S]*✓ node-a verified clean/);
  t.match(
    r.stdout,
    new RegExp(`== node-b \\(unix:\\S+\\) ==[\\s\\S]*127\\.0\\.0\\.1:${held} held by pid ${process.pid}`),
    'node-b: who holds the port',
  );
  t.match(r.stdout, /node-a +│ unix:\S+ +│ clean +│ 0/);
  t.match(r.stdout, new RegExp(`node-b +│ unix:\\S+ +│ NOT clean: 1 left \\(ports ${held}\\) +│ 1`));
  t.match(
    r.stdout,
    /node-x +│ unix:\S+ +│ refused: Reset: confirm_node "node-x" is not this node/,
    "the stale address refuses the operator's name",
  );
  t.match(r.stdout, /node-d +│ unix:\S+ +│ unreachable: no agent socket/);
  t.equal((await cri.listPodSandbox()).length, 0, "node-a's reset did its work while others failed");

  const j = await kubesweep(['--agents-file', file, '--json', 'check-ports', String(port), String(held)]);
  t.equal(j.code, 2);
  const doc = json(j);
  t.equal(doc.command, 'check-ports');
  t.equal(doc.exitCode, 2);
  t.same(
    doc.nodes.map((n: any) => [
      n.node,
      n.exitCode,
      n.result ? Object.fromEntries(n.result.ports.map((p: any) => [p.port, p.held])) : n.error.kind,
    ]),
    [
      ['node-a', 1, { [port]: false, [held]: true }],
      ['node-b', 1, { [port]: false, [held]: true }],
      ['node-x', 1, { [port]: false, [held]: true }],
      ['node-d', 2, 'unreachable'],
    ],
    'read-only commands need no guard; every node answers for itself',
  );
});
