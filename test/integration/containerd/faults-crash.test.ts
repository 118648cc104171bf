// Restarts and crashes mid-run, on the real testbed: the agent SIGKILLed during remove-pods
// (and during the CNI teardown fallback), containerd killed during remove-pods and restarted 2 s
// later as systemd would, and a state dir that is read-only or full when the backup is written.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { CriClient } from '../../../agent/daemon/cri/client';
import { readJournal } from '../../../agent/daemon/sweep';
import type { ProgressEvent } from '../../../agent/daemon/sweep';
import { SEED_MANIFESTS, seedResidue } from '../../../scripts/testbed/seed';
import type { Testbed } from '../../../scripts/testbed/testbed';
import { startAgent, testbedAgentArgs } from '../../helpers/agent';
import { testbedConfig, testbedSweeper, treeState } from '../../helpers/sweep';
import { clientResetWithPlanCheck, resetWithPlanCheck } from '../../helpers/plan-check';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

async function seeded(t: Test, cniFault = false) {
  const tb: Testbed = await withTestbed(t, { cniFault });
  const ports = { api: await freePort(), proxyMetrics: await freePort() };
  const manifestsDir = path.join(tb.scratch, 'manifests');
  const stateDir = path.join(tb.scratch, 'state');
  await seedResidue(tb.cri(), tb, manifestsDir, ports);
  await waitFor('seed ports held', async () => !(await canBind(ports.api)) && !(await canBind(ports.proxyMetrics)));
  return { tb, ports, manifestsDir, stateDir };
}

function agentArgs(tb: Testbed, manifestsDir: string, stateDir: string, ports: { api: number; proxyMetrics: number }) {
  return testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir, expectFreePorts: [ports.api, ports.proxyMetrics] });
}

function backedUp(stateDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const dir = path.join(stateDir, 'backups');
  for (const id of existsSync(dir) ? readdirSync(dir) : []) {
    for (const n of readdirSync(path.join(dir, id))) if (n !== 'index.json') out[n] = readFileSync(path.join(dir, id, n), 'utf8');
  }
  return out;
}

t.test(
  'agent SIGKILLed during remove-pods: the next agent marks the run interrupted, its reset ends clean, no manifest lost',
  async (t) => {
    const { tb, ports, manifestsDir, stateDir } = await seeded(t);
    const args = agentArgs(tb, manifestsDir, stateDir, ports);
    const first = await startAgent(t, { dir: tb.scratch, args });
    const c1 = first.client();
    t.teardown(() => c1.close());
    let killedAt = '';
    const out = await c1.reset({ confirmNode: 'node1', graceSeconds: 5 }, (ev) => {
      // After the first pod action: the stops are in flight, calico-node is waiting out its grace.
      if (!killedAt && ev.progress?.type === 'item-done' && ev.progress.step === 'remove-pods') {
        killedAt = `${ev.progress.action} ${ev.progress.target}`;
        process.kill(first.pid, 'SIGKILL');
      }
    });
    t.ok(killedAt, `killed after ${killedAt}`);
    t.ok(out.error, 'the stream ends with an error');
    t.equal((await first.exited).signal, 'SIGKILL');
    const journal1 = readJournal(stateDir);
    const run1 = journal1.find((r) => r.type === 'started')!.runId;
    t.notOk(
      journal1.some((r) => r.type === 'finished'),
      'the killed run never finished',
    );
    t.same(backedUp(stateDir), SEED_MANIFESTS, 'the manifests are in the backup, byte-identical');

    const second = await startAgent(t, { dir: tb.scratch, args });
    const interrupted = readJournal(stateDir).filter((r) => r.type === 'interrupted');
    t.same(
      interrupted.map((r) => [r.runId, (r as { detectedBy: string }).detectedBy, (r as { lastStep?: string }).lastStep]),
      [[run1, 'agent start', 'backup-manifests']],
      'journal: the killed run is interrupted, after backup-manifests',
    );
    const c2 = second.client();
    t.teardown(() => c2.close());
    const again = await clientResetWithPlanCheck(t, c2, { confirmNode: 'node1', graceSeconds: 2 }, { stateDir });
    t.equal(
      again.report?.verification?.verdict,
      'clean',
      `the next reset is clean (${JSON.stringify(again.report?.verification?.residue)})`,
    );
    t.same(backedUp(stateDir), SEED_MANIFESTS, 'no manifest lost');
    t.ok((await canBind(ports.api)) && (await canBind(ports.proxyMetrics)), 'ports free');
  },
);

t.test('agent SIGKILLed while the teardown CNI config is in place: the next start takes it out, conf dir byte-identical', async (t) => {
  const { tb, ports, manifestsDir, stateDir } = await seeded(t, true);
  const confBefore = treeState(tb.cniConfDir);
  tb.setCniFault('fail');
  const args = agentArgs(tb, manifestsDir, stateDir, ports);
  const first = await startAgent(t, { dir: tb.scratch, args });
  const c1 = first.client();
  t.teardown(() => c1.close());
  const teardownConf = path.join(tb.cniConfDir, '00-kubesweep-teardown.conflist');
  // Kill the agent the moment the teardown config appears (it stays for a fraction of a second).
  let seen = false;
  const watcher = setInterval(() => {
    if (!seen && existsSync(teardownConf)) {
      seen = true;
      process.kill(first.pid, 'SIGKILL');
    }
  }, 2);
  t.teardown(() => clearInterval(watcher));
  await c1.reset({ confirmNode: 'node1', graceSeconds: 2 });
  clearInterval(watcher);
  t.ok(seen, 'killed with the teardown config in place');
  await first.exited;
  t.ok(existsSync(teardownConf), 'the killed agent left it there');
  t.same(
    readJournal(stateDir)
      .filter((r) => r.type === 'cni-fallback')
      .map((r) => (r as { phase: string }).phase),
    ['placing'],
    'journal: placing, no removed',
  );

  await startAgent(t, { dir: tb.scratch, args });
  t.notOk(existsSync(teardownConf), 'the next agent start removed it');
  t.same(treeState(tb.cniConfDir), confBefore, 'CNI conf dir byte-identical');
  t.same(
    readJournal(stateDir)
      .filter((r) => r.type === 'cni-fallback')
      .map((r) => (r as { phase: string }).phase),
    ['placing', 'repaired'],
    'journal: repaired',
  );
  t.ok(
    readJournal(stateDir).some((r) => r.type === 'interrupted'),
    'and the run interrupted',
  );
});

t.test(
  'containerd killed during remove-pods, restarted 2 s later: this reset or the next ends clean, the report says what happened',
  async (t) => {
    const { tb, ports, manifestsDir } = await seeded(t);
    const config = testbedConfig(tb, { manifestsDir, expectFreePorts: [ports.api, ports.proxyMetrics] });
    const cri = new CriClient({ endpoint: tb.endpoint, timeoutMs: 10_000 });
    t.teardown(() => cri.close());
    const { sweeper } = testbedSweeper(cri, config);
    let restarted: Promise<void> | undefined;
    const r1 = await resetWithPlanCheck(
      t,
      sweeper,
      { scope: 'all', requestedBy: 'test', graceSeconds: 3 },
      {
        onEvent: (e: ProgressEvent) => {
          if (!restarted && e.type === 'item-done' && e.step === 'remove-pods') {
            restarted = tb.killContainerd().then(async () => {
              await new Promise((r) => setTimeout(r, 2000));
              await tb.startContainerd();
            });
          }
        },
      },
    );
    t.ok(restarted, 'containerd was killed during remove-pods');
    await restarted;
    const said = JSON.stringify(
      r1.steps.map((s) => [s.name, s.status, s.reason, s.items.filter((i) => i.outcome === 'failed').map((i) => i.message)]),
    );
    t.comment(`first reset: ${r1.verification?.verdict}: ${said}`);
    // Either outcome is allowed (retries may ride it out), but each one is checked: a reset that is
    // not clean must say the CRI went away, and then the next one must be clean.
    const firstClean = r1.verification?.verdict === 'clean';
    t.ok(
      firstClean || /not answering|no CRI socket|unreachable|UNAVAILABLE|shim/i.test(said),
      'clean, or the report says the CRI went away',
    );
    const last = firstClean ? r1 : await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 'test', graceSeconds: 2 });
    t.equal(
      last.verification?.verdict,
      'clean',
      `${firstClean ? 'the first' : 'the next'} reset is clean (${JSON.stringify(last.verification?.residue)})`,
    );
    t.same(await tb.cri().listPodSandbox(), [], 'no sandbox left');
    t.same(tb.shimPids(), [], 'no shim left');
    t.ok((await canBind(ports.api)) && (await canBind(ports.proxyMetrics)), 'ports free');
  },
);

for (const how of ['read-only', 'full'] as const) {
  t.test(`state dir ${how} during the backup: nothing is removed, a clear error`, async (t) => {
    const { tb, ports, manifestsDir, stateDir } = await seeded(t);
    // A bigger manifest than the full state dir can take (etcd's are large).
    writeFileSync(path.join(manifestsDir, 'etcd.yaml'), 'x'.repeat(256 * 1024));
    mkdirSync(stateDir, { recursive: true });
    if (how === 'read-only') {
      execFileSync('mount', ['--bind', stateDir, stateDir]);
      execFileSync('mount', ['-o', 'remount,bind,ro', stateDir]);
    } else {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k,mode=0700', 'ks-full', stateDir]);
    }
    t.teardown(() => execFileSync('umount', ['-l', stateDir]));
    const manifestsBefore = treeState(manifestsDir);
    const sandboxesBefore = (await tb.cri().listPodSandbox()).map((s) => s.id).sort();
    const config = testbedConfig(tb, { manifestsDir, stateDir, expectFreePorts: [ports.api, ports.proxyMetrics] });
    const { sweeper } = testbedSweeper(tb.cri(), config);
    let err: { code?: string; message: string } | undefined;
    let report: Awaited<ReturnType<typeof sweeper.reset>> | undefined;
    try {
      report = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 'test', graceSeconds: 2 });
    } catch (e) {
      err = e as { code?: string; message: string };
    }
    const said = err ? `${err.code}: ${err.message}` : `${report?.aborted}`;
    t.comment(said);
    // Read-only: not even the journal can record the run, so it stops before acting. Full: the
    // journal line fits, the backup does not, and the required backup step stops the run.
    if (how === 'read-only')
      t.match(
        said,
        /^KS_STATE_DIR_FAILED: cannot write the run journal in the state dir .*read-only file system.*nothing was done/,
        'a clear error',
      );
    else
      t.match(
        said,
        /^required step backup-manifests failed: manifest backup into .* failed, nothing was removed: ENOSPC: no space left on device/,
        'a clear error',
      );
    t.same(treeState(manifestsDir), manifestsBefore, 'manifests untouched');
    t.same((await tb.cri().listPodSandbox()).map((s) => s.id).sort(), sandboxesBefore, 'no pod removed');
    t.notOk(await canBind(ports.api), 'the pods still run');
  });
}
