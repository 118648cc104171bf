// What the engine must refuse or leave: a failed backup removes no manifest and stops the run
// before any pod is touched; a netns lived in by a process that is not containerd's stays and
// is reported with its pid; a scoped run leaves pods outside its scope; an aborted run stops
// at the next safe point and says so in the journal.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { readJournal } from '../../../agent/daemon/sweep';
import { netnsInodeOf, fileInode } from '../../../agent/daemon/host/proc';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { waitFor, withTestbed } from '../../helpers/testbed';
import { testbedConfig, testbedSweeper, treeState } from '../../helpers/sweep';
import { resetWithPlanCheck } from '../../helpers/plan-check';

t.test('engine guards on the testbed', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();

  await t.test('a failed backup removes no manifest and no pod; the run says aborted', async (t) => {
    const stateDir = path.join(tb.scratch, 'state-broken');
    mkdirSync(stateDir, { recursive: true });
    // A file where the backups dir must go: the backup cannot be written.
    writeFileSync(path.join(stateDir, 'backups'), 'in the way');
    const config = testbedConfig(tb, { stateDir, manifestsDir: path.join(tb.scratch, 'manifests-a'), expectFreePorts: [] });
    mkdirSync(config.manifestsDir, { recursive: true });
    for (const n of ['kube-apiserver.yaml', 'kube-scheduler.yaml']) writeFileSync(path.join(config.manifestsDir, n), `kind: Pod # ${n}\n`);
    const before = treeState(config.manifestsDir);
    const pod = await runPod(cri, tb, {
      name: 'kube-proxy-a',
      kind: 'daemonset',
      hostNetwork: true,
      containers: [{ name: 'kube-proxy', command: commands.sleep() }],
    });
    const { sweeper } = testbedSweeper(cri, config);
    const report = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 'test' });
    t.match(report.aborted, /required step backup-manifests failed/, 'aborted, naming the backup');
    const b = report.steps.find((s) => s.name === 'backup-manifests')!;
    t.equal(b.status, 'failed');
    t.match(b.reason, /nothing was removed/);
    t.same(treeState(config.manifestsDir), before, 'every manifest still there, unchanged');
    t.same(
      report.steps.map((s) => s.name),
      ['stop-kubelet', 'backup-manifests'],
      'no step ran after the failed backup',
    );
    t.ok(
      (await cri.listPodSandbox()).some((s) => s.id === pod.sandboxId),
      'the pod was not touched',
    );
    t.same(readdirSync(stateDir), ['backups', 'journal'], 'no stray temp dir left');
    const j = readJournal(stateDir).filter((r) => r.runId === report.runId);
    t.same(
      j.map((r) => r.type),
      ['started', 'step', 'step', 'finished'],
    );
    t.match((j[3] as { aborted: string }).aborted, /backup-manifests/);
    await cri.stopPodSandbox(pod.sandboxId);
    await cri.removePodSandbox(pod.sandboxId);
  });

  await t.test('a netns held by a foreign process is left and reported with its pid', async (t) => {
    const netnsDir = path.join(tb.scratch, 'netns');
    mkdirSync(netnsDir, { recursive: true });
    const held = path.join(netnsDir, 'cni-decoy');
    const stale = path.join(netnsDir, 'cni-stale');
    const notCni = path.join(netnsDir, 'my-netns');
    for (const f of [held, stale, notCni]) writeFileSync(f, '');
    const holder: ChildProcess = spawn('unshare', [`--net=${held}`, 'sleep', '1000'], { stdio: 'ignore' });
    t.teardown(() => {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
      for (const f of [held, stale, notCni]) {
        try {
          execFileSync('umount', ['-l', f], { stdio: 'pipe' });
        } catch {
          /* not mounted */
        }
      }
    });
    execFileSync('unshare', [`--net=${stale}`, 'true']); // mounted, nobody lives in it
    execFileSync('unshare', [`--net=${notCni}`, 'true']); // not CNI-created: never touched
    const sleeper = await waitFor('holder in its netns', () => {
      const ino = fileInode(held);
      const kids = readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .map(Number);
      return kids.find(
        (pid) => pid !== process.pid && netnsInodeOf(pid) === ino && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep',
      );
    });
    const config = testbedConfig(tb, {
      netnsDirs: [netnsDir],
      manifestsDir: path.join(tb.scratch, 'manifests-b'),
      stateDir: path.join(tb.scratch, 'state-b'),
      expectFreePorts: [],
    });
    const { sweeper, lines } = testbedSweeper(cri, config);
    const plan = await sweeper.plan({ dryRun: true, scope: 'all', requestedBy: 'test', steps: ['remove-netns'] });
    const planned = plan.steps[0].actions;
    t.same(
      planned.map((a) => path.basename(a.target)),
      ['cni-decoy', 'cni-stale'],
      'plan: only cni-* files',
    );
    const decoy = planned[0];
    t.match(
      decoy.action === 'remove-netns' && decoy.detail.blockedBy,
      [new RegExp(`pid ${sleeper} \\(sleep 1000\\)`)],
      'plan already says who blocks it',
    );

    const report = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 'test', steps: ['remove-netns', 'verify'] });
    const items = report.steps.find((s) => s.name === 'remove-netns')!.items;
    const decoyItem = items.find((i) => i.target === held)!;
    t.equal(decoyItem.outcome, 'skipped', 'held netns left');
    t.match(decoyItem.message, new RegExp(`pid ${sleeper} \\(sleep 1000\\)`), 'reported with pid and command');
    t.equal(items.find((i) => i.target === stale)!.outcome, 'done', 'unheld CNI netns removed');
    t.ok(existsSync(held), 'held netns file still there');
    t.equal(fileInode(held), netnsInodeOf(sleeper), "and still the holder's netns (not unmounted)");
    t.notOk(existsSync(stale), 'stale netns file gone');
    t.ok(existsSync(notCni), 'a non-CNI netns is not touched');
    t.equal(holder.exitCode, null, 'the foreign holder was not killed');
    t.notOk(
      lines.some((l) => l.pid === sleeper),
      'no signal was logged for it',
    );
    const residue = report.verification!.residue.filter((r) => r.kind === 'netns');
    t.same(
      residue.map((r) => r.target),
      [held],
      'verify lists the held netns as residue',
    );
    t.match(residue[0].why, new RegExp(`pid ${sleeper}.*not a process of this containerd`));
  });

  await t.test('scope static: only static pods go; an abort stops at the next safe point', async (t) => {
    const config = testbedConfig(tb, {
      manifestsDir: path.join(tb.scratch, 'manifests-c'),
      stateDir: path.join(tb.scratch, 'state-c'),
      expectFreePorts: [],
    });
    const st = await runPod(cri, tb, {
      name: 'kube-apiserver-node1',
      kind: 'static',
      hostNetwork: true,
      containers: [{ name: 'kube-apiserver', command: commands.sleep() }],
    });
    const ds = await runPod(cri, tb, {
      name: 'calico-node-c',
      kind: 'daemonset',
      hostNetwork: false,
      containers: [{ name: 'calico-node', command: commands.sleep() }],
    });
    const { sweeper } = testbedSweeper(cri, config);
    const report = await resetWithPlanCheck(
      t,
      sweeper,
      { scope: ['static'], requestedBy: 'test', graceSeconds: 0 },
      { allowSkips: [/a running pod lives in it .* and the scope is not all/] },
    );
    t.equal(report.verification?.verdict, 'clean', `static scope verified clean (${JSON.stringify(report.verification?.residue)})`);
    const left = (await cri.listPodSandbox()).map((s) => s.id);
    t.notOk(left.includes(st.sandboxId), 'static pod removed');
    t.ok(left.includes(ds.sandboxId), 'DaemonSet pod outside the scope kept');
    t.ok(
      tb.shimPids().some((s) => s.id === ds.sandboxId),
      'its shim kept',
    );
    t.equal(readdirSync(tb.netnsDir).filter((n) => n.startsWith('cni-')).length, 1, 'its netns kept');

    const ac = new AbortController();
    ac.abort('SIGTERM');
    const aborted = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 'test' }, { signal: ac.signal });
    t.match(aborted.aborted, /SIGTERM/, 'report says aborted');
    t.same(aborted.steps, [], 'nothing ran');
    t.ok(
      (await cri.listPodSandbox()).some((s) => s.id === ds.sandboxId),
      'pod untouched',
    );
    const j = readJournal(config.stateDir).filter((r) => r.runId === aborted.runId);
    t.same(
      j.map((r) => r.type),
      ['started', 'finished'],
      'journaled',
    );

    const ac2 = new AbortController();
    // What a crash at this point would leave on disk: the journal as it is mid-run.
    let midJournal: ReturnType<typeof readJournal> = [];
    const mid = await sweeper.reset(
      { dryRun: false, scope: 'all', requestedBy: 'test', graceSeconds: 0 },
      (e) => {
        if (e.type === 'step-finished' && e.step === 'remove-pods') {
          midJournal = readJournal(config.stateDir).filter((r) => r.type !== 'finished' || r.runId !== aborted.runId);
          ac2.abort('shutdown');
        }
      },
      ac2.signal,
    );
    const midRun = midJournal.filter((r) => r.runId === mid.runId);
    t.same(
      midRun.map((r) => r.type),
      ['started', 'step', 'step'],
      'mid-run the journal already holds the plan and the finished steps',
    );
    t.ok(
      (midRun[0] as { plan: { steps: { name: string }[] } }).plan.steps.some((s) => s.name === 'remove-pods'),
      'with the whole plan',
    );
    t.match(mid.aborted, /shutdown/, 'aborted between steps');
    t.same(
      mid.steps.map((s) => s.name),
      ['stop-kubelet', 'backup-manifests', 'remove-pods'],
      'stopped after the step in progress',
    );
    t.same(await cri.listPodSandbox(), [], 'the step that ran completed');
  });
});
