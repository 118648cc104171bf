// Shims killed by hand (the bug report's manual fix, or a shim crash: containerd#10727): the
// containers' processes keep running in their cgroups with no shim above them. The port report
// must still name the pod behind a held port ("shim gone"); a reset must end them — every
// process of each container cgroup, one shared grace period — unmount their rootfs and free
// the ports; and nothing that only resembles one of our containers may be touched.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { CriClient } from '../../../agent/daemon/cri/client';
import { isAlive, readProcess } from '../../../agent/daemon/host/proc';
import { listPorts } from '../../../agent/daemon/ports';
import { actionsOf } from '../../../agent/daemon/sweep/actions';
import { seedResidue } from '../../../scripts/testbed/seed';
import { mountsUnder } from '../../../scripts/testbed/testbed';
import type { Testbed } from '../../../scripts/testbed/testbed';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';
import { testbedConfig, testbedSweeper } from '../../helpers/sweep';
import { resetWithPlanCheck } from '../../helpers/plan-check';

const PIDS = '/sys/fs/cgroup/pids';
const hex64 = () => randomBytes(32).toString('hex');

/** A sleeping process of this test, moved into the pids cgroup `rel` (made here, removed at teardown). */
async function decoyIn(t: Test, rel: string, own = true) {
  const dir = path.join(PIDS, rel);
  if (own) mkdirSync(dir, { recursive: true });
  const child = spawn('/bin/sleep', ['1000'], { stdio: 'ignore' });
  await waitFor('decoy started', () => readProcess(child.pid!)?.argv[0] === '/bin/sleep');
  writeFileSync(path.join(dir, 'cgroup.procs'), String(child.pid));
  const startTime = readProcess(child.pid!)!.startTime;
  // One teardown: the process must be gone before its cgroup dir can be removed.
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (!own) return;
    await waitFor('decoy gone', () => !isAlive(child.pid!) || undefined, 5000).catch(() => undefined);
    for (let d = dir; d !== PIDS; d = path.dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        break; // a sibling decoy's dir is still there: its own teardown removes the parent
      }
    }
  });
  return { pid: child.pid!, startTime, alive: () => isAlive(child.pid!, startTime) };
}

/** A fake task bundle: config.json with CRI annotations, under `stateDir` for `namespace`. */
function fakeBundle(stateDir: string, namespace: string, id: string) {
  const dir = path.join(stateDir, 'io.containerd.runtime.v2.task', namespace, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ annotations: { 'io.kubernetes.cri.container-name': 'decoy', 'io.kubernetes.cri.sandbox-name': 'decoy' } }),
  );
}

async function shimsGone(t: Test) {
  const tb: Testbed = await withTestbed(t);
  const cri = tb.cri();
  const ports = { api: await freePort(), proxyMetrics: await freePort() };
  const config = testbedConfig(tb, { expectFreePorts: [ports.api, ports.proxyMetrics] });
  await seedResidue(cri, tb, config.manifestsDir, ports);
  await waitFor('seed ports held', async () => !(await canBind(ports.api)) && !(await canBind(ports.proxyMetrics)));

  // Decoys. (a) another namespace of the same containerd (docker's moby): a bundle under our
  // state dir, but not in k8s.io; (b) another containerd: a bundle under a state dir that is
  // not ours; (c) the same hierarchy, not a container cgroup (the testbed's cgroup parent
  // itself); (d) a cgroup that only looks like a container's (64 hex, nothing knows the id).
  const tag = `ks-decoy-${randomBytes(3).toString('hex')}`;
  const [idA, idB, idD] = [hex64(), hex64(), hex64()];
  fakeBundle(tb.state, 'moby', idA);
  fakeBundle(path.join(tb.scratch, 'other-containerd-state'), 'k8s.io', idB);
  const decoys = {
    otherNamespace: await decoyIn(t, `${tag}/${idA}`),
    otherContainerd: await decoyIn(t, `${tag}/${idB}`),
    notAContainer: await decoyIn(t, tb.cgroupParent.slice(1), false),
    looksLikeOne: await decoyIn(t, `${tag}/${idD}`),
  };

  // The SIGTERM-ignoring shell forks a new `sleep 1` every second: compare all but those.
  const steady = (pids: number[]) =>
    pids.filter((p) => p !== decoys.notAContainer.pid && !/^(\/bin\/busybox sleep 1)?$/.test(readProcess(p)?.argv.join(' ') ?? ''));
  const before = steady(tb.cgroupPids());
  const shims = await tb.killShimsByHand();
  t.equal(shims.length, 6, 'containerd and six shims killed by hand');
  t.same(steady(tb.cgroupPids()), before, `the ${before.length} long-lived container processes keep running`);
  t.notOk(await canBind(ports.api), 'the apiserver port is still held');
  return { tb, config, ports, decoys, before };
}

t.test('shims killed by hand: ports named as "shim gone", reset ends the containers, decoys untouched', async (t) => {
  const { tb, config, ports, decoys, before } = await shimsGone(t);
  const deadCri = new CriClient({ endpoint: tb.endpoint, timeoutMs: 5000 });
  t.teardown(() => deadCri.close());

  // The port report names the pod behind the held port, from the bundle, as "shim gone".
  const report = await listPorts(
    {},
    {
      cri: deadCri,
      containerdAddress: tb.socket,
      containerdNamespace: tb.namespace,
      netnsDirs: [tb.netnsDir],
      containerdDirs: [tb.root, tb.state],
    },
  );
  const api = report.listeners.find((l) => l.port === ports.api)!;
  t.ok(api, 'the api port is listed');
  const o = api.owners[0];
  t.equal(o.containerName, 'nginx-proxy', 'its container, from the task bundle');
  t.equal(o.podName, 'nginx-proxy-node1', 'and its pod');
  t.equal(o.residue, true, 'residue');
  t.match(o.residueReason, /shim gone/, `reason: ${o.residueReason}`);

  const { sweeper, lines } = testbedSweeper(deadCri, config);
  const plan = await sweeper.plan({ dryRun: true, scope: 'all', requestedBy: 'test' });
  const planned = plan.steps.find((s) => s.name === 'kill-shims')!.actions.filter((a) => a.action === 'kill-container');
  t.equal(planned.length, 12, 'six pause + six app containers planned, each as shim gone');
  const decoyPids = new Set(Object.values(decoys).map((d) => d.pid));
  t.notOk(
    planned.some((a) => (a.detail?.processes as { pid: number }[]).some((p) => decoyPids.has(p.pid))),
    'no decoy in the plan',
  );

  // Their pod netns are lived in by processes of ours whose shim is gone: nothing blocks them.
  const netnsPlan = actionsOf(plan.steps.find((s) => s.name === 'remove-netns')!.actions, 'remove-netns');
  t.ok(netnsPlan.length >= 1, 'pod netns planned for removal');
  t.same(
    netnsPlan.filter((a) => a.detail.blockedBy !== undefined || a.detail.holders.some((h) => !h.ours)),
    [],
    'no netns shown as held by a foreign process (their holders are container processes of ours)',
  );

  // Without kill-shims, remove-netns leaves those netns and says why; verify names the holders
  // as shim-gone processes of this containerd.
  const partial = await resetWithPlanCheck(t, sweeper, {
    scope: 'all',
    requestedBy: 'test',
    graceSeconds: 2,
    steps: ['remove-netns', 'verify'],
  });
  const rn = partial.steps.find((s) => s.name === 'remove-netns')!;
  t.ok(
    rn.items.length >= 1 &&
      rn.items.every((i) => i.outcome === 'skipped' && /whose shim is gone, which only kill-shims ends/.test(i.message ?? '')),
    `netns left with the reason: ${JSON.stringify(rn.items.map((i) => i.message))}`,
  );
  const netnsResidue = partial.verification!.residue.filter((x) => x.kind === 'netns');
  t.ok(netnsResidue.length >= 1, 'verify lists the netns');
  t.ok(
    netnsResidue.every((x) => /\[of this containerd, shim gone\]/.test(x.why) && !/not a process of this containerd/.test(x.why)),
    `named as shim-gone processes of ours: ${netnsResidue[0]?.why}`,
  );

  const t0 = Date.now();
  const r = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 'test', graceSeconds: 2 });
  t.comment(`reset took ${Date.now() - t0} ms`);
  const ks = r.steps.find((s) => s.name === 'kill-shims')!;
  t.comment(JSON.stringify(ks.items.map((i) => [i.action, i.outcome, i.message])));
  const killed = ks.items.filter((i) => i.action === 'kill-container');
  t.equal(killed.length, 12, 'twelve containers');
  t.ok(
    killed.every((i) => i.outcome === 'done' && /^shim gone: /.test(i.message ?? '')),
    'each ended, reported as shim gone',
  );
  t.ok(
    killed.some((i) => /container nginx-proxy of pod kube-system\/nginx-proxy-node1/.test(i.message ?? '')),
    'named by container and pod',
  );
  t.ok(
    ks.items.some((i) => i.action === 'unmount' && i.outcome === 'done'),
    'their rootfs unmounted',
  );
  t.same(
    tb.cgroupPids().filter((p) => p !== decoys.notAContainer.pid),
    [],
    `none of the ${before.length} container processes is left`,
  );
  t.ok((await canBind(ports.api)) && (await canBind(ports.proxyMetrics)), 'seed ports free');
  t.same(
    readdirSync(tb.netnsDir).filter((n) => n.startsWith('cni-')),
    [],
    'netns removed',
  );
  t.same(
    mountsUnder(tb.dir).filter((m) => /\/(rootfs|shm)$/.test(m)),
    [],
    'no rootfs/shm mount left',
  );
  for (const [name, d] of Object.entries(decoys)) t.ok(d.alive(), `decoy ${name} untouched`);
  t.notOk(
    lines.some((l) => decoyPids.has(l.pid as number)),
    'no log line names a decoy',
  );
  t.ok(
    lines.some((l) => l.signal === 'SIGKILL'),
    'the SIGTERM-ignoring calico-node needed SIGKILL',
  );
  t.same(
    r.verification!.residue.map((x) => x.kind),
    ['sandbox'],
    `only the CRI's own records are left (containerd is down): ${JSON.stringify(r.verification!.residue)}`,
  );

  // containerd comes back (as systemd would restart it): the next reset ends clean.
  await tb.startContainerd();
  const again = await resetWithPlanCheck(t, testbedSweeper(tb.cri(), config).sweeper, {
    scope: 'all',
    requestedBy: 'test',
    graceSeconds: 2,
  });
  t.equal(
    again.verification?.verdict,
    'clean',
    `after containerd restarts, the next reset is clean (${JSON.stringify(again.verification?.residue)})`,
  );
  for (const [name, d] of Object.entries(decoys)) t.ok(d.alive(), `decoy ${name} still untouched`);
});
