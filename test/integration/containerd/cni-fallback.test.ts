// The CNI teardown fallback on its own, against the real containerd: a sandbox whose DEL fails
// like Calico's leaves the CRI through the teardown-only config; the conf dir ends
// byte-identical; the host-local lease the skipped DEL would have freed is released; the
// journal brackets the fallback; and a conf dir that is not containerd's is never touched.
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import t, { type Test as Tap } from 'tap';
import { TEARDOWN_NETWORK } from '../../../agent/daemon/host/teardown-conf';
import { CNI_LOAD_TIMEOUT_MS, runCniFallback } from '../../../agent/daemon/sweep/cni-fallback';
import type { FallbackRecorder } from '../../../agent/daemon/sweep/cni-fallback';
import { readJournal } from '../../../agent/daemon/sweep/journal';
import type { Outcome } from '../../../agent/daemon/sweep/types';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { memoryLogger, treeState } from '../../helpers/sweep';
import { withTestbed } from '../../helpers/testbed';

/** Make the pod's CNI DEL fail (Calico on a deleted node), see RemovePodSandbox fail (its stop runs the DEL), then run the fallback for it. */
async function failThenFallBack(t: Tap, tb: Awaited<ReturnType<typeof withTestbed>>, sandboxId: string) {
  const cri = tb.cri();
  tb.setCniFault('fail');
  const failure = await cri.removePodSandbox(sandboxId).then(
    () => 'no failure',
    (err: Error) => err.message,
  );
  t.match(failure, /Unauthorized/);
  const { log } = memoryLogger();
  const { rec, items } = recorder();
  const stateDir = path.join(tb.scratch, 'state');
  const t0 = Date.now();
  const removed = await runCniFallback([{ sandboxId, failure }], {
    cri,
    log,
    stateDir,
    runId: 'r1',
    cniConfDir: tb.cniConfDir,
    cniIpamDir: tb.ipamDir,
    criTimeoutMs: 20_000,
    rec,
  });
  return { failure, log, items, stateDir, t0, removed };
}

function recorder() {
  const items: { action: string; target: string; outcome: Outcome; message?: string }[] = [];
  const rec: FallbackRecorder = {
    aborted: false,
    record: (action, target, outcome, _ms, message) => void items.push({ action, target, outcome, ...(message ? { message } : {}) }),
  };
  return { rec, items };
}

t.test('fallback: failing DEL → sandbox removed, conf dir byte-identical, lease released, journaled', async (t) => {
  const tb = await withTestbed(t, { cniFault: true });
  const cri = tb.cri();
  const pod = await runPod(cri, tb, {
    name: 'web-1',
    kind: 'pod',
    hostNetwork: false,
    containers: [{ name: 'web', command: commands.sleep() }],
  });
  const other = await runPod(cri, tb, {
    name: 'web-2',
    kind: 'pod',
    hostNetwork: false,
    containers: [{ name: 'web', command: commands.sleep() }],
  });
  const network = readdirSync(tb.ipamDir)[0];
  const leases = () =>
    readdirSync(path.join(tb.ipamDir, network))
      .filter((n) => /^\d/.test(n))
      .sort();
  t.equal(leases().length, 2, 'two host-local leases');
  const confBefore = treeState(tb.cniConfDir);
  const { items, stateDir, t0, removed } = await failThenFallBack(t, tb, pod.sandboxId);
  t.comment(`fallback took ${Date.now() - t0} ms`);
  t.same([...removed], [pod.sandboxId], 'the sandbox was removed');
  t.same(
    items.map((i) => `${i.action} ${i.outcome}`),
    ['cni-fallback done', 'remove-sandbox done', 'cni-restore done', 'release-ip done'],
  );
  t.match(
    items[1].message,
    /Unauthorized; removed with kubesweep's teardown-only CNI config: its network's own DEL was skipped/,
    'the removal says what it is',
  );
  t.same(
    (await cri.listPodSandbox()).map((s) => s.id),
    [other.sandboxId],
    'only the other pod is left',
  );
  t.same(treeState(tb.cniConfDir), confBefore, 'the CNI conf dir is byte-identical');
  t.equal(leases().length, 1, 'the lease of the removed sandbox was released');
  t.equal(readdirSync(tb.netnsDir).length, 1, "containerd removed the sandbox's netns");
  t.same(
    readJournal(stateDir).map((r) => (r.type === 'cni-fallback' ? r.phase : r.type)),
    ['placing', 'removed'],
    'journal: placing, then removed',
  );

  tb.setCniFault('off');
  t.equal(await cri.stopPodSandbox(other.sandboxId), 'done', "the node's own network is back: the other pod's DEL runs the chain again");
});

t.test(
  'give-up: containerd never loads the teardown config alone within 10 s → file removed, sandbox reported, conf dir byte-identical',
  async (t) => {
    // max_conf_num = 2: containerd loads the teardown network *and* the node's network, so the
    // node's failing DEL would still run; the fallback must see that and give up, for real.
    const tb = await withTestbed(t, { cniFault: true, cniMaxConfNum: 2 });
    const cri = tb.cri();
    const pod = await runPod(cri, tb, {
      name: 'web-1',
      kind: 'pod',
      hostNetwork: false,
      containers: [{ name: 'web', command: commands.sleep() }],
    });
    const confBefore = treeState(tb.cniConfDir);
    const { items, stateDir, t0, removed } = await failThenFallBack(t, tb, pod.sandboxId);
    const took = Date.now() - t0;
    t.comment(`gave up after ${took} ms: ${JSON.stringify(items)}`);
    t.ok(took >= CNI_LOAD_TIMEOUT_MS, `it waited the whole ${CNI_LOAD_TIMEOUT_MS} ms (${took} ms)`);
    t.same(removed.size, 0, 'nothing removed');
    t.same(
      items.map((i) => `${i.action} ${i.outcome}`),
      ['cni-fallback failed', 'remove-sandbox failed', 'cni-restore done'],
    );
    const said = (a: string) => items.find((i) => i.action === a)?.message ?? '';
    t.match(
      said('cni-fallback'),
      new RegExp(`did not load ${TEARDOWN_NETWORK} alone within ${CNI_LOAD_TIMEOUT_MS} ms \\(max_conf_num 2;`),
      'the fallback says why',
    );
    t.match(
      said('remove-sandbox'),
      /Unauthorized.*the CNI fallback was not used: containerd did not switch to the teardown-only config/,
      'the sandbox is reported with its own failure and why',
    );
    t.same(treeState(tb.cniConfDir), confBefore, 'the teardown file is removed: conf dir byte-identical');
    t.same(
      (await cri.listPodSandbox()).map((s) => s.id),
      [pod.sandboxId],
      'the sandbox is still there',
    );
    t.same(
      readJournal(stateDir).map((r) => (r.type === 'cni-fallback' ? r.phase : r.type)),
      ['placing', 'removed'],
      'journal: placing, then removed',
    );
  },
);

t.test('fallback refuses a conf dir that is not the one containerd loads, and an unset one', async (t) => {
  const tb = await withTestbed(t, { cniFault: true });
  const cri = tb.cri();
  const pod = await runPod(cri, tb, {
    name: 'web-1',
    kind: 'pod',
    hostNetwork: false,
    containers: [{ name: 'web', command: commands.sleep() }],
  });
  tb.setCniFault('fail');
  const { log } = memoryLogger();
  const elsewhere = path.join(tb.scratch, 'other-net.d');
  mkdirSync(elsewhere);
  const before = treeState(tb.dir + '/cni');
  for (const cniConfDir of [elsewhere, '']) {
    const { rec, items } = recorder();
    const removed = await runCniFallback([{ sandboxId: pod.sandboxId, failure: 'CNI DEL failed' }], {
      cri,
      log,
      stateDir: path.join(tb.scratch, 'state'),
      runId: 'r',
      cniConfDir,
      cniIpamDir: tb.ipamDir,
      criTimeoutMs: 20_000,
      rec,
    });
    t.equal(removed.size, 0, `nothing removed (${cniConfDir || 'unset'})`);
    t.same(
      items.map((i) => `${i.action} ${i.outcome}`),
      ['remove-sandbox failed'],
    );
    t.match(items[0].message, cniConfDir ? /containerd loads CNI config from .*not touching either/ : /no CNI conf dir is configured/);
    t.same(readdirSync(elsewhere), [], 'nothing written to the wrong dir');
  }
  t.same(treeState(tb.dir + '/cni'), before, "containerd's CNI dirs unchanged");
  t.equal((await cri.listPodSandbox()).length, 1, 'the sandbox is still there');
});
