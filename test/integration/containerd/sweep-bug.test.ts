// The bug from the report, end to end on the private containerd: static and DaemonSet pods
// holding host ports, pods with their own netns, a container that ignores SIGTERM, three
// static manifests. After reset the ports bind again, a new pod can take the port (the
// rejoin), nothing of the testbed remains, and the manifests are backed up byte-identical.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { fileInode, isAlive, readProcess } from '../../../agent/daemon/host/proc';
import { readJournal } from '../../../agent/daemon/sweep';
import type { ProgressEvent } from '../../../agent/daemon/sweep';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';
import { processSet, testbedConfig, testbedSweeper, treeState } from '../../helpers/sweep';
import { resetWithPlanCheck } from '../../helpers/plan-check';

const MANIFESTS: Record<string, { text: string; mode: number }> = {
  'kube-apiserver.yaml': { text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n', mode: 0o600 },
  'nginx-proxy.yml': { text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-proxy\n# \u00e9\u00e8 utf8\n', mode: 0o644 },
  'etcd.yaml': { text: 'x'.repeat(70_000), mode: 0o640 },
};

async function twoFreePorts(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (await canBind(p + 1)) return p;
  }
  throw new Error('no two adjacent free ports');
}

t.test('reset fixes the remove-node bug: ports free, pods/shims/netns gone, manifests backed up', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const P = await twoFreePorts();
  const config = testbedConfig(tb, { expectFreePorts: [P, P + 1] });
  for (const [name, m] of Object.entries(MANIFESTS)) {
    writeFileSync(path.join(config.manifestsDir, name), m.text);
    chmodSync(path.join(config.manifestsDir, name), m.mode);
  }
  const staticPod = await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(P) }],
  });
  const dsHost = await runPod(cri, tb, {
    name: 'kube-proxy-abcde',
    kind: 'daemonset',
    hostNetwork: true,
    containers: [{ name: 'kube-proxy', command: commands.httpd(P + 1) }],
  });
  const dsNetns = await runPod(cri, tb, {
    name: 'calico-node-xyz',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.sleep() }],
  });
  const plain = await runPod(cri, tb, {
    name: 'web-1',
    kind: 'pod',
    hostNetwork: false,
    containers: [
      { name: 'web', command: commands.sleep() },
      { name: 'stubborn', command: commands.ignoreTerm() },
    ],
  });
  await waitFor(`ports ${P} and ${P + 1} held`, async () => !(await canBind(P)) && !(await canBind(P + 1)));
  t.equal(readdirSync(tb.netnsDir).length, 2, 'two pod netns files');

  // Decoys outside every configured dir: a manifest beside the manifests dir, a CNI-named netns
  // mounted outside the netns dir (nobody lives in it: only its dir keeps it), and a process not
  // ours whose arguments name this containerd's socket.
  const elsewhere = path.join(tb.scratch, 'elsewhere');
  mkdirSync(elsewhere);
  const decoyManifest = path.join(elsewhere, 'kube-apiserver.yaml');
  writeFileSync(decoyManifest, MANIFESTS['kube-apiserver.yaml'].text);
  const decoyNetns = path.join(elsewhere, 'cni-decoy');
  writeFileSync(decoyNetns, '');
  const holder = spawn(
    '/bin/sh',
    [
      '-c',
      'while :; do sleep 1; done',
      'sh',
      'containerd-shim-runc-v2',
      '-namespace',
      'k8s.io',
      '-id',
      staticPod.sandboxId,
      '-address',
      tb.socket,
    ],
    { stdio: 'ignore' },
  );
  t.teardown(() => {
    if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
    try {
      execFileSync('umount', ['-l', decoyNetns], { stdio: 'pipe' });
    } catch {
      /* not mounted */
    }
  });
  const plainInode = fileInode(decoyNetns);
  execFileSync('unshare', [`--net=${decoyNetns}`, 'true']);
  await waitFor('the decoy process', () => readProcess(holder.pid!)?.argv.includes(tb.socket));
  const holderStart = readProcess(holder.pid!)!.startTime;
  const decoyNetnsInode = fileInode(decoyNetns);
  t.not(decoyNetnsInode, plainInode, 'the decoy netns is mounted');

  const { sweeper, lines } = testbedSweeper(cri, config);

  // --- dry run: the plan, and nothing changes --------------------------------------------
  const ourProcs = () => processSet((argv) => argv.includes(tb.socket));
  const before = {
    files: treeState(tb.scratch),
    netns: readdirSync(tb.netnsDir).sort(),
    procs: ourProcs(),
    sandboxes: (await cri.listPodSandbox()).map((s) => `${s.id} ${s.state}`).sort(),
    containers: (await cri.listContainers()).map((c) => `${c.id} ${c.state}`).sort(),
  };
  const dry = await sweeper.reset({ dryRun: true, scope: 'all', requestedBy: 'test' });
  t.equal(dry.dryRun, true);
  t.ok(
    dry.steps.every((s) => s.items.every((i) => i.outcome === 'planned')),
    'every item of a dry run is planned',
  );
  const podActions = dry.plan.steps.find((s) => s.name === 'remove-pods')!.actions;
  const sandboxOrder = podActions.filter((a) => a.action === 'remove-sandbox').map((a) => a.target);
  t.equal(sandboxOrder.length, 4, 'four sandboxes planned');
  t.same(new Set(sandboxOrder.slice(0, 2)), new Set([dsNetns.sandboxId, plain.sandboxId]), 'pods with their own netns first');
  t.same(new Set(sandboxOrder.slice(2)), new Set([staticPod.sandboxId, dsHost.sandboxId]), 'host-network pods last');
  t.equal(podActions.filter((a) => a.action === 'stop-container').length, 5, 'five containers planned');
  const backupStep = dry.plan.steps.find((s) => s.name === 'backup-manifests')!;
  t.same(
    backupStep.actions
      .filter((a) => a.action === 'remove-file')
      .map((a) => path.basename(a.target))
      .sort(),
    Object.keys(MANIFESTS).sort(),
  );
  t.equal(
    dry.plan.steps.find((s) => s.name === 'kill-shims')!.actions.filter((a) => a.action === 'kill-process').length,
    4,
    'four shims planned',
  );
  t.equal(dry.plan.steps.find((s) => s.name === 'remove-netns')!.actions.length, 2, 'two netns planned');
  const verifyPorts = dry.plan.steps
    .find((s) => s.name === 'verify')!
    .actions.flatMap((a) => (a.action === 'check' && a.target === 'ports' ? a.detail.ports : []));
  t.ok(verifyPorts.includes(P) && verifyPorts.includes(P + 1), 'verify plans the ports the pods hold');
  t.same(dry.plan.steps.find((s) => s.name === 'stop-kubelet')!.actions, [], 'no systemd here: nothing to stop');
  t.same(treeState(tb.scratch), before.files, 'dry run: no file changed (manifests, state dir: no journal, no backup)');
  t.same(readdirSync(tb.netnsDir).sort(), before.netns, 'dry run: netns unchanged');
  t.same(ourProcs(), before.procs, 'dry run: shim and container processes unchanged');
  t.same((await cri.listPodSandbox()).map((s) => `${s.id} ${s.state}`).sort(), before.sandboxes, 'dry run: sandboxes unchanged');
  t.same((await cri.listContainers()).map((c) => `${c.id} ${c.state}`).sort(), before.containers, 'dry run: containers unchanged');
  t.notOk(await canBind(P), 'dry run: port still held');

  // --- the real reset ----------------------------------------------------------------------
  const events: ProgressEvent[] = [];
  const report = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 'test-admin' }, { onEvent: (e) => events.push(e) });
  t.comment(
    JSON.stringify(
      report.steps.map((s) => ({
        name: s.name,
        status: s.status,
        done: s.done,
        failed: s.failed,
        skipped: s.skipped,
        ms: s.durationMs,
        reason: s.reason,
      })),
    ),
  );
  t.notOk(report.aborted, 'not aborted');
  t.equal(report.verification?.verdict, 'clean', `verdict clean (${JSON.stringify(report.verification?.residue)})`);
  // The rejoin kinds on by default run too (on the testbed's own dirs; no link patterns here).
  t.same(
    report.steps.map((s) => s.name),
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
  t.equal(report.steps.find((s) => s.name === 'stop-kubelet')!.status, 'skipped', 'stop-kubelet skipped without systemd');
  const rp = report.steps.find((s) => s.name === 'remove-pods')!;
  t.equal(rp.failed, 0, 'no CRI call failed');
  t.equal(rp.done, 9, '5 container stops + 4 sandbox removals done');
  const ks = report.steps.find((s) => s.name === 'kill-shims')!;
  t.ok(
    ks.items.length > 0 && ks.items.every((i) => i.outcome === 'gone'),
    'with the CRI up, shims and mounts were already gone: nothing to kill',
  );
  t.ok(await canBind(P), `port ${P} binds again`);
  t.ok(await canBind(P + 1), `port ${P + 1} binds again`);
  t.same(await cri.listPodSandbox(), [], 'no sandbox left');
  t.same(await cri.listContainers(), [], 'no container left');
  t.same(tb.shimPids(), [], 'no shim of the testbed left');
  t.same(
    readdirSync(tb.netnsDir).filter((n) => n.startsWith('cni-')),
    [],
    'no netns left',
  );
  t.ok(existsSync(config.manifestsDir) && statSync(config.manifestsDir).isDirectory(), 'manifests dir itself stays');
  t.equal(
    readFileSync(decoyManifest, 'utf8'),
    MANIFESTS['kube-apiserver.yaml'].text,
    'decoy: a manifest outside the manifests dir is untouched',
  );
  t.equal(fileInode(decoyNetns), decoyNetnsInode, 'decoy: a CNI-named netns outside the netns dir is still mounted');
  t.ok(isAlive(holder.pid!, holderStart), 'decoy: a process not ours that names our containerd is alive');
  t.notOk(
    lines.some((l) => l.pid === holder.pid),
    'no log line names it',
  );
  t.same(readdirSync(config.manifestsDir), [], 'manifests dir empty');

  // Backup: byte-identical, with an index.
  t.match(report.backupId, /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  const bdir = path.join(config.stateDir, 'backups', report.backupId!);
  const index = JSON.parse(readFileSync(path.join(bdir, 'index.json'), 'utf8'));
  t.equal(index.files.length, 3);
  for (const [name, m] of Object.entries(MANIFESTS)) {
    t.equal(readFileSync(path.join(bdir, name), 'utf8'), m.text, `${name} backed up byte-identical`);
    t.equal(index.files.find((f: { name: string }) => f.name === name).mode, m.mode, `${name} mode recorded`);
  }

  // Permissions: the journal and the backups (copies of root-only manifests) are 0600 files in
  // 0700 dirs, whatever the manifests' own modes (0644 above) and the umask.
  const perms: string[] = [];
  const walk = (d: string): void => {
    perms.push(`${(statSync(d).mode & 0o777).toString(8)} ${path.relative(config.stateDir, d) || '.'}/`);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else perms.push(`${(statSync(p).mode & 0o777).toString(8)} ${path.relative(config.stateDir, p)}`);
    }
  };
  walk(config.stateDir);
  t.ok(
    perms.includes('600 journal') && perms.includes(`600 backups/${report.backupId}/index.json`),
    `the journal and the backup index are there (${perms.join(', ')})`,
  );
  t.same(
    perms.filter((x) => !(x.endsWith('/') ? x.startsWith('700 ') : x.startsWith('600 '))),
    [],
    'every file in the state dir is 0600, every dir 0700',
  );

  // Progress events and the structured log.
  for (const step of report.steps) {
    t.ok(
      events.some((e) => e.type === 'step-started' && e.step === step.name),
      `step-started ${step.name}`,
    );
    t.ok(
      events.some((e) => e.type === 'step-finished' && e.step === step.name),
      `step-finished ${step.name}`,
    );
  }
  t.equal(events.filter((e) => e.type === 'item-done' && e.step === 'remove-pods').length, 9, 'one event per pod action');
  t.ok(
    lines.some((l) => l.action === 'remove-sandbox' && l.target === staticPod.sandboxId),
    'log line for a destructive action',
  );

  // Journal: started (with plan), one record per step, finished.
  const journal = readJournal(config.stateDir).filter((r) => r.runId === report.runId);
  t.same(
    journal.map((r) => r.type),
    ['started', ...report.steps.map(() => 'step'), 'finished'],
  );
  const started = journal[0] as { requestedBy: string; plan: { steps: unknown[] } };
  t.equal(started.requestedBy, 'test-admin');
  t.equal(started.plan.steps.length, report.steps.length);
  const fin = journal[journal.length - 1] as { verdict: string; backupId: string };
  t.equal(fin.verdict, 'clean');
  t.equal(fin.backupId, report.backupId);

  // --- idempotent: a second reset does nothing and says clean -------------------------------
  const again = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 'test' });
  t.equal(again.verification?.verdict, 'clean', 'rerun: clean');
  t.equal(again.backupId, undefined, 'rerun: no backup (nothing to back up)');
  const acted = again.steps.flatMap((s) => s.items.filter((i) => i.outcome === 'done' && i.action !== 'check'));
  t.same(acted, [], 'rerun: no action done');
  t.equal((await sweeper.listBackups()).length, 1, 'still one backup');

  // --- restore: byte-identical, and a conflicting file refuses ------------------------------
  const restored = await sweeper.restoreManifests();
  t.equal(restored.backupId, report.backupId);
  t.same(restored.restored.sort(), Object.keys(MANIFESTS).sort());
  for (const [name, m] of Object.entries(MANIFESTS)) {
    const p = path.join(config.manifestsDir, name);
    t.equal(readFileSync(p, 'utf8'), m.text, `${name} restored byte-identical`);
    t.equal(statSync(p).mode & 0o777, m.mode, `${name} restored with its mode`);
  }
  t.same((await sweeper.restoreManifests()).unchanged.sort(), Object.keys(MANIFESTS).sort(), 'restoring again changes nothing');
  writeFileSync(path.join(config.manifestsDir, 'etcd.yaml'), 'edited');
  await t.rejects(sweeper.restoreManifests(report.backupId), { code: 'KS_RESTORE_CONFLICT' }, 'a differing file refuses the restore');
  t.equal(readFileSync(path.join(config.manifestsDir, 'etcd.yaml'), 'utf8'), 'edited', 'and is not overwritten');

  // --- the rejoin: a new pod takes port P ---------------------------------------------------
  await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(P) }],
  });
  await waitFor(`new pod holds ${P}`, async () => !(await canBind(P)));
  t.pass('a new static pod binds the port again (rejoin)');
});
