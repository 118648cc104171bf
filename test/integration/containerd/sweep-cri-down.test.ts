// CRI down: only the containerd daemon is killed; its shims keep the pods running and the
// ports held. Reset must still free the ports and remove the testbed's shims and netns, and
// must not touch a process that merely looks like a shim of another containerd.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import t from 'tap';
import type { Test } from 'tap';
import { CriClient } from '../../../agent/daemon/cri/client';
import { isAlive, readProcess } from '../../../agent/daemon/host/proc';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { mountsUnder } from '../../../scripts/testbed/testbed';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';
import { testbedConfig, testbedSweeper } from '../../helpers/sweep';
import { resetWithPlanCheck } from '../../helpers/plan-check';

/** A process whose argv says "containerd-shim-runc-v2 … -address <address>" (it is node). */
function spawnDecoy(t: Test, address: string, namespace = 'k8s.io') {
  const child = spawn(
    process.execPath,
    ['-e', 'setInterval(() => {}, 1 << 30)', '--', '-namespace', namespace, '-id', 'decoy', '-address', address],
    {
      argv0: 'containerd-shim-runc-v2',
      stdio: 'ignore',
    },
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

t.test("CRI down: reset kills only this containerd's shims, frees ports, removes netns", async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const P = await freePort();
  const config = testbedConfig(tb, { expectFreePorts: [P] });
  await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(P) }],
  });
  await runPod(cri, tb, {
    name: 'calico-node-x',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
  });
  await runPod(cri, tb, { name: 'web-1', kind: 'pod', hostNetwork: false, containers: [{ name: 'web', command: commands.sleep() }] });
  await waitFor(`port ${P} held`, async () => !(await canBind(P)));
  const otherAddress = `${tb.dir}/other/containerd.sock`;
  const decoy = spawnDecoy(t, otherAddress);
  // Same address as ours but another containerd namespace: not ours either.
  const decoyNs = spawnDecoy(t, tb.socket, 'moby');
  await waitFor(
    'decoys started',
    () =>
      readProcess(decoy.pid!)?.argv[0] === 'containerd-shim-runc-v2' && readProcess(decoyNs.pid!)?.argv[0] === 'containerd-shim-runc-v2',
  );
  const decoyStart = readProcess(decoy.pid!)!.startTime;
  const decoyNsStart = readProcess(decoyNs.pid!)!.startTime;

  const shimsBefore = tb.shimPids().filter((s) => s.id !== 'decoy');
  t.equal(shimsBefore.length, 3, 'three shims of the testbed');
  // A shell whose arguments mention one of our shims exactly (its id, our address, k8s.io).
  const shell = spawn(
    '/bin/sh',
    [
      '-c',
      'while :; do sleep 1; done',
      'sh',
      'containerd-shim-runc-v2',
      '-namespace',
      'k8s.io',
      '-id',
      shimsBefore[0].id,
      '-address',
      tb.socket,
    ],
    { stdio: 'ignore' },
  );
  t.teardown(() => {
    if (shell.exitCode === null && shell.signalCode === null) shell.kill('SIGKILL');
  });
  await waitFor('the shell decoy started', () => readProcess(shell.pid!)?.argv.includes(tb.socket));
  const shellStart = readProcess(shell.pid!)!.startTime;
  await tb.killContainerd();
  t.notOk(await canBind(P), "containerd dead, the port is still held by the shim's container");
  t.equal(readdirSync(tb.netnsDir).length, 2, 'two pod netns still mounted');

  // A fresh client: the testbed's own one was closed with the daemon.
  const deadCri = new CriClient({ endpoint: tb.endpoint, timeoutMs: 5000 });
  t.teardown(() => deadCri.close());
  const { sweeper, lines } = testbedSweeper(deadCri, config);

  const inv = await sweeper.inspect();
  t.ok(inv.criError, `inspect works with the CRI down (${inv.criError})`);
  t.equal(inv.shims.length, 3, 'inspect lists our three shims, not the decoys');
  t.equal(inv.netns.length, 2, 'inspect lists the two netns');

  const plan = await sweeper.plan({ dryRun: true, scope: 'all', requestedBy: 'test' });
  const ks = plan.steps.find((s) => s.name === 'kill-shims')!;
  t.same(
    ks.actions
      .filter((a) => a.action === 'kill-process')
      .map((a) => Number(a.target))
      .sort(),
    shimsBefore.map((s) => s.pid).sort(),
    'plan kills exactly our shims',
  );
  t.notOk(
    ks.actions.some((a) => [decoy.pid, decoyNs.pid, shell.pid].map(String).includes(a.target)),
    'no decoy in the plan',
  );
  t.match(plan.steps.find((s) => s.name === 'remove-pods')!.note, /CRI unreachable/, 'remove-pods says the CRI is unreachable');

  const report = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 'test' });
  t.comment(
    JSON.stringify(report.steps.map((s) => ({ name: s.name, status: s.status, done: s.done, failed: s.failed, reason: s.reason }))),
  );
  t.notOk(report.aborted, 'not aborted');
  const kill = report.steps.find((s) => s.name === 'kill-shims')!;
  t.equal(kill.failed, 0, 'no kill failed');
  t.equal(kill.items.filter((i) => i.action === 'kill-process' && i.outcome === 'done').length, 3, 'three shim trees ended');
  t.ok(
    kill.items.some((i) => i.action === 'unmount' && i.outcome === 'done'),
    'leftover container mounts unmounted',
  );
  t.ok(await canBind(P), `port ${P} free again`);
  t.same(
    tb.shimPids().filter((s) => s.id !== 'decoy'),
    [],
    'no shim of the testbed left',
  );
  t.same(
    readdirSync(tb.netnsDir).filter((n) => n.startsWith('cni-')),
    [],
    'netns files removed',
  );
  const containerMounts = mountsUnder(tb.dir).filter((m) => /\/(rootfs|shm)$/.test(m));
  t.same(containerMounts, [], 'no rootfs/shm mounts left under the testbed');
  t.ok(isAlive(decoy.pid!, decoyStart), 'decoy shim of another containerd survives');
  t.ok(isAlive(decoyNs.pid!, decoyNsStart), 'decoy shim of another namespace survives');
  t.ok(isAlive(shell.pid!, shellStart), 'a shell whose arguments mention our shim survives');
  t.notOk(
    lines.some((l) => l.pid === decoy.pid || l.pid === decoyNs.pid || l.pid === shell.pid),
    'no log line ever names a decoy',
  );
  const v = report.verification!;
  t.equal(v.verdict, 'residue', 'verdict residue: the CRI could not be asked');
  t.same(
    v.residue.map((r) => r.kind),
    ['sandbox'],
    `the only residue is the unanswered CRI (${JSON.stringify(v.residue)})`,
  );
  t.ok(
    lines.some((l) => l.signal === 'SIGKILL'),
    'the SIGTERM-ignoring container needed SIGKILL',
  );
});
