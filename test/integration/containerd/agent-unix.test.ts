// The real agent binary over its unix socket, on the testbed's Kubespray-shaped residue:
// every RPC answers, the dry run changes nothing, Reset streams progress and ends clean (ports
// bind again, no sandbox/shim/netns left, manifests backed up), RestoreManifests brings the
// manifests back, and the audit log has a line per call and per destructive action.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { readJournal } from '../../../agent/daemon/sweep';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { KUBESPRAY_MANIFESTS, snapshotTree, startAgent, testbedAgentArgs, writeManifests } from '../../helpers/agent';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';
import { clientResetWithPlanCheck } from '../../helpers/plan-check';

t.test('agent over the unix socket: every RPC, dry run, streamed Reset ends clean, restore', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const [P1, P2] = [await freePort(), await freePort()];
  const manifestsDir = path.join(tb.scratch, 'manifests');
  const stateDir = path.join(tb.scratch, 'state');
  writeManifests(manifestsDir);

  const apiserver = await runPod(cri, tb, {
    name: 'kube-apiserver-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'kube-apiserver', command: commands.httpd(P1) }],
  });
  await runPod(cri, tb, {
    name: 'kube-proxy-7xk2p',
    kind: 'daemonset',
    hostNetwork: true,
    containers: [{ name: 'kube-proxy', command: commands.httpd(P2) }],
  });
  const calico = await runPod(cri, tb, {
    name: 'calico-node-q9w8e',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.sleep() }],
  });
  await waitFor('pod ports held', async () => !(await canBind(P1)) && !(await canBind(P2)));

  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir, expectFreePorts: [P1, P2] }),
  });
  const sock = agent.socket.slice('unix://'.length);
  t.equal(statSync(sock).mode & 0o777, 0o600, 'socket is 0600');
  t.equal(statSync(path.dirname(sock)).mode & 0o777, 0o700, 'in a 0700 dir');
  const c = agent.client();
  t.equal(await c.healthCheck(), 'SERVING', 'grpc.health.v1 SERVING');

  const info = await c.call('Info');
  t.match(info, {
    nodeName: 'node1',
    criRuntimeName: 'containerd',
    criApiVersion: 'v1',
    manifestsDir,
    stateDir,
    netnsDirs: [tb.netnsDir],
    expectFreePorts: [P1, P2],
  });
  t.match(info.agentVersion, /^\d+\.\d+\.\d+/);
  t.ok(Number(info.facts.cpus) >= 1 && info.facts.kernel.length > 0, 'node facts from systeminformation');

  const ports = await c.call('ListPorts', {});
  const l1 = ports.listeners.find((l: any) => l.port === P1);
  t.match(l1, { protocol: 'tcp', address: '127.0.0.1', netns: { host: true } }, 'pod port listed');
  t.match(
    l1.owners[0].pod,
    { name: 'kube-apiserver-node1', kind: 'static', hostNetwork: true, sandboxId: apiserver.sandboxId },
    'owned by the static pod',
  );
  const all = await c.call('ListPorts', { allNetns: true });
  t.ok(all.netnsScanned.length >= 2, 'all netns: the host and the pod netns scanned');
  const check = await c.call('CheckPorts', {});
  t.equal(check.allFree, false);
  t.same(
    check.ports.map((p: any) => [p.port, p.held]).sort(),
    [
      [P1, true],
      [P2, true],
    ].sort(),
    'both configured ports checked, both held',
  );

  const inv = await c.call('Inspect');
  t.same(inv.sandboxes.map((s: any) => `${s.name}:${s.kind}:${s.hostNetwork}`).sort(), [
    'calico-node-q9w8e:daemonset:false',
    'kube-apiserver-node1:static:true',
    'kube-proxy-7xk2p:daemonset:true',
  ]);
  t.equal(inv.containers.length, 3);
  t.equal(inv.shims.length, 3, 'three shims, ours');
  t.equal(inv.netns.length, 1, 'one pod netns');
  t.same(inv.manifests.map((m: any) => m.name).sort(), Object.keys(KUBESPRAY_MANIFESTS).sort());

  // Dry run: the whole plan, nothing touched.
  const before = snapshotTree(tb.scratch);
  const dry = await c.reset({ dryRun: true });
  t.equal(dry.error, undefined);
  t.equal(dry.report.dryRun, true);
  t.ok(
    dry.report.plan.steps.find((s: any) => s.name === 'remove-pods').actions.some((a: any) => a.target === calico.sandboxId),
    'plan names the sandboxes',
  );
  t.same(snapshotTree(tb.scratch), before, 'dry run: no file under the testbed scratch dir changed');
  t.equal((await cri.listPodSandbox()).length, 3, 'dry run: sandboxes untouched');
  t.notOk(await canBind(P1), 'dry run: port still held');

  // The single steps one at a time, then the whole reset.
  const wipe = await c.call('WipeManifests', { confirmNode: 'node1' });
  t.equal(wipe.report.steps.map((s: any) => s.name).join(), 'backup-manifests');
  t.ok(wipe.report.backupId, 'WipeManifests reports a backup id');
  t.same(readdirSync(manifestsDir), [], 'manifests wiped');
  const restored = await c.call('RestoreManifests', { confirmNode: 'node1', backupId: wipe.report.backupId });
  t.same(restored.restored.sort(), Object.keys(KUBESPRAY_MANIFESTS).sort(), 'RestoreManifests brings them back');
  for (const [n, text] of Object.entries(KUBESPRAY_MANIFESTS))
    t.equal(readFileSync(path.join(manifestsDir, n), 'utf8'), text, `${n} byte-identical`);

  const events: any[] = [];
  let firstEventAt = 0;
  const out = await clientResetWithPlanCheck(
    t,
    c,
    { confirmNode: 'node1', graceSeconds: 2 },
    {
      stateDir,
      onEvent: (ev) => {
        if (ev.progress && !firstEventAt) firstEventAt = Date.now();
        events.push(ev);
      },
    },
  );
  const reportAt = Date.now();
  t.equal(out.error, undefined, 'Reset succeeded');
  t.ok(out.events.length >= 10, `${out.events.length} progress events streamed`);
  t.ok(firstEventAt > 0 && firstEventAt < reportAt, 'progress arrived before the report');
  t.ok(events.at(-1).report, 'the report is the last message');
  t.same(
    [...new Set(out.events.filter((e) => e.type === 'step-started').map((e) => e.step))],
    [
      'stop-kubelet',
      'backup-manifests',
      'remove-pods',
      'kill-shims',
      'remove-netns',
      'kubelet-mounts',
      'pod-cgroups',
      'ipam',
      'cni-cache',
      'links',
      'verify',
    ],
  );
  t.equal(out.report.verification.verdict, 'clean', 'verdict clean');
  t.same(out.report.verification.residue, []);
  t.ok(out.report.backupId, 'backup id in the report');
  t.equal(out.report.requestedBy, 'unix-socket');
  t.ok((await canBind(P1)) && (await canBind(P2)), 'ports bind again');
  t.same(await cri.listPodSandbox(), [], 'no sandbox left');
  t.same(tb.shimPids(), [], 'no shim left');
  t.same(readdirSync(tb.netnsDir), [], 'no netns left');
  t.same(readdirSync(manifestsDir), [], 'manifests wiped');
  t.ok(existsSync(path.join(stateDir, 'backups', out.report.backupId)), 'backup under the state dir');
  t.ok(
    readJournal(stateDir).some((r) => r.type === 'finished' && r.runId === out.report.runId),
    'journal has the run',
  );

  const after = await c.call('CheckPorts', {});
  t.equal(after.allFree, true, 'CheckPorts agrees');
  t.same((await c.call('RemoveNetns', { confirmNode: 'node1' })).report.steps[0].name, 'remove-netns', 'RemoveNetns on a clean node');
  t.same(
    (await c.call('StopPods', { confirmNode: 'node1' })).report.steps.map((s: any) => s.name),
    ['remove-pods', 'kill-shims'],
    'StopPods on a clean node',
  );
  const r2 = await c.call('RestoreManifests', { confirmNode: 'node1' });
  // Empty backup id = the engine's newest. (Both backups here are from the same second; which
  // one the engine calls newest is its business — the RPC must pass the empty id through.)
  t.ok([out.report.backupId, wipe.report.backupId].includes(r2.backupId), 'empty backup id restores a backup');
  t.same([...r2.restored, ...r2.unchanged].sort(), Object.keys(KUBESPRAY_MANIFESTS).sort(), 'all manifests back');

  const audit = agent.logs.filter((l) => l.audit === 'call');
  const methods = new Set(audit.map((l) => l.method));
  for (const m of ['Info', 'ListPorts', 'CheckPorts', 'Inspect', 'Reset', 'StopPods', 'WipeManifests', 'RemoveNetns', 'RestoreManifests'])
    t.ok(methods.has(m), `audit line for ${m}`);
  t.ok(
    audit.every((l) => l.identity === 'unix-socket' && typeof l.durationMs === 'number' && l.code),
    'audit lines carry identity, code and duration',
  );
  t.ok(
    agent.logs.filter((l) => l.audit === 'action' && l.action === 'remove-sandbox').length >= 3,
    'one audit line per destructive action',
  );
});
