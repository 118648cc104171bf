// The testbed's faults are real: the chained CNI plugin fails DEL with Calico's message (and
// containerd cannot stop the sandbox however often it is asked), or hangs until containerd's
// request context kills it; "shims killed by hand" leaves the container processes running
// with no shim; and teardown still leaves nothing behind.
import { existsSync, readdirSync } from 'node:fs';
import t from 'tap';
import { CALICO_UNAUTHORIZED, faultCalls } from '../../../scripts/testbed/cni-fault';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { listProcesses, mountsUnder, Testbed } from '../../../scripts/testbed/testbed';
import { canBind, freePort, waitFor } from '../../helpers/testbed';

t.test('CNI fault plugin: ADD passes through, DEL fails like Calico while the marker exists, then hangs', async (t) => {
  const tb = await Testbed.start({ cniFault: true });
  t.teardown(() => tb.teardown());
  const cri = tb.cri();
  const pod = await runPod(cri, tb, {
    name: 'web-1',
    kind: 'pod',
    hostNetwork: false,
    containers: [{ name: 'web', command: commands.sleep() }],
  });
  const st = await cri.podSandboxStatus(pod.sandboxId);
  t.match(st?.status?.network?.ip, /^10\.\d+\.\d+\.\d+$/, 'the pod got its bridge address through the chain');
  t.same(
    faultCalls(tb.cniFault!).map((c) => c.what),
    ['add'],
    'the plugin saw the ADD',
  );

  tb.setCniFault('fail');
  for (let i = 0; i < 2; i++) {
    await t.rejects(
      cri.stopPodSandbox(pod.sandboxId),
      {
        message: new RegExp(
          `failed to destroy network for sandbox "${pod.sandboxId}": plugin type="ks-fault" failed \\(delete\\): ${CALICO_UNAUTHORIZED}`,
        ),
      },
      `StopPodSandbox #${i + 1} fails with Calico's message`,
    );
  }
  t.equal((await cri.listPodSandbox()).find((s) => s.id === pod.sandboxId)?.state, 'SANDBOX_NOTREADY', 'the sandbox stays NOTREADY');
  await t.rejects(
    cri.removePodSandbox(pod.sandboxId),
    { message: /failed to forcibly stop sandbox .*Unauthorized/ },
    'and cannot be removed',
  );

  tb.setCniFault('hang');
  const t0 = Date.now();
  await t.rejects(cri.stopPodSandbox(pod.sandboxId, { timeoutMs: 3000 }), 'a hanging DEL fails the call at its deadline');
  t.ok(Date.now() - t0 < 10_000, `bounded by the call's deadline (${Date.now() - t0} ms)`);
  const hung = faultCalls(tb.cniFault!).filter((c) => c.what === 'del-hang');
  t.equal(hung.length, 1, 'one hanging DEL');
  await waitFor('the hanging plugin killed by containerd', () => !existsSync(`/proc/${hung[0].pid}`) || undefined, 10_000);

  tb.setCniFault('off');
  t.equal(await cri.stopPodSandbox(pod.sandboxId), 'done', 'without a marker DEL succeeds again');
  t.equal(await cri.removePodSandbox(pod.sandboxId), 'done');
});

t.test('shims killed by hand: container processes keep running with no shim; teardown still cleans up', async (t) => {
  const tb = await Testbed.start({ cniFault: true });
  t.teardown(() => tb.teardown());
  const cri = tb.cri();
  const port = await freePort();
  await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(port) }],
  });
  await runPod(cri, tb, { name: 'web-1', kind: 'pod', hostNetwork: false, containers: [{ name: 'web', command: commands.ignoreTerm() }] });
  await waitFor('port held', async () => !(await canBind(port)));
  const inCgroups = tb.cgroupPids();
  t.ok(inCgroups.length >= 4, `container processes in the testbed's cgroups (${inCgroups.length})`);

  const shims = await tb.killShimsByHand();
  t.equal(shims.length, 2, 'two shims killed');
  t.equal(tb.containerdPid, undefined, 'containerd killed');
  t.same(tb.shimPids(), [], 'no shim left');
  const left = tb.cgroupPids();
  t.ok(left.length >= 4, `container processes still running (${left.length})`);
  const shimSet = new Set(shims);
  const procs = new Map(listProcesses().map((p) => [p.pid, p]));
  t.ok(
    left.every((pid) => !shimSet.has(procs.get(pid)?.ppid ?? -1)),
    'none of them is a child of a shim any more',
  );
  t.notOk(await canBind(port), 'the port is still held');
  t.equal(readdirSync(tb.netnsDir).length, 1, 'the pod netns is still mounted');

  tb.setCniFault('hang');
  const report = await tb.teardown();
  t.same(report.problems, [], 'teardown reports no problem');
  t.same(tb.cgroupPids(), [], 'no process left in the testbed cgroups');
  t.ok(await canBind(port), 'port free after teardown');
  t.same(mountsUnder(tb.dir), [], 'no mount left under the testbed dir');
  t.notOk(existsSync(tb.dir), 'testbed dir removed');
});
