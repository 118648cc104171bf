import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { CNI_CACHE_RESULTS_DIR, listProcesses, mountsUnder, removeCniCacheOf, Testbed } from '../../../scripts/testbed/testbed';

import { canBind, cniCacheFilesOf, freePort, waitFor, withTestbed } from '../../helpers/testbed';

t.test('testbed: host-network pod holds a port, pod netns exists; both removed through CRI', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const v = await cri.version();
  t.equal(v.runtimeName, 'containerd');
  t.equal(v.runtimeApiVersion, 'v1');

  const port = await freePort();
  const hostPod = await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(port) }],
  });
  const netnsPod = await runPod(cri, tb, {
    name: 'web-1',
    kind: 'pod',
    hostNetwork: false,
    containers: [{ name: 'web', command: commands.sleep() }],
  });

  await waitFor(`port ${port} held by the host-network pod`, async () => !(await canBind(port)));
  const sandboxes = await cri.listPodSandbox();
  t.same(new Set(sandboxes.map((s) => s.id)), new Set([hostPod.sandboxId, netnsPod.sandboxId]), 'both sandboxes listed');
  const host = sandboxes.find((s) => s.id === hostPod.sandboxId)!;
  t.equal(host.annotations['kubernetes.io/config.source'], 'file', 'static pod annotation kept');
  const containers = await cri.listContainers();
  t.equal(containers.length, 2);
  t.ok(
    containers.every((c) => c.state === 'CONTAINER_RUNNING'),
    'containers running',
  );

  const status = await cri.podSandboxStatus(netnsPod.sandboxId, true);
  t.equal(status?.status?.linux?.namespaces?.options?.network, 'POD', 'pod has its own netns');
  const hostStatus = await cri.podSandboxStatus(hostPod.sandboxId, true);
  t.equal(hostStatus?.status?.linux?.namespaces?.options?.network, 'NODE', "host-network pod: the node's netns");
  const netnsFiles = readdirSync(tb.netnsDir);
  t.equal(netnsFiles.length, 1, 'one netns file under the testbed state dir');
  t.match(netnsFiles[0], /^cni-/);

  for (const pod of [netnsPod, hostPod]) {
    for (const id of pod.containerIds) {
      t.equal(await cri.stopContainer(id, 0), 'done');
      t.equal(await cri.removeContainer(id), 'done');
    }
    t.equal(await cri.stopPodSandbox(pod.sandboxId), 'done');
    t.equal(await cri.removePodSandbox(pod.sandboxId), 'done');
  }
  t.equal(await cri.stopPodSandbox(hostPod.sandboxId), 'gone', 'NOT_FOUND on stop means already gone');
  t.equal(await cri.podSandboxStatus(hostPod.sandboxId), undefined, 'status of a removed sandbox is undefined');

  t.same(await cri.listPodSandbox(), [], 'no sandboxes left');
  await waitFor(`port ${port} free again`, () => canBind(port));
  t.notOk(existsSync(`${tb.netnsDir}/${netnsFiles[0]}`), 'netns file removed');
  t.same(tb.shimPids(), [], 'no shim of this testbed left');
  t.same(cniCacheFilesOf(tb.dir), [], "a DEL that ran removed the sandbox's libcni cache files");
});

t.test('teardown leaves nothing behind, even after containerd was killed under running pods', async (t) => {
  const tb = await Testbed.start();
  t.teardown(() => tb.teardown());
  const cri = tb.cri();
  const port = await freePort();
  await runPod(cri, tb, {
    name: 'kube-proxy-x',
    kind: 'daemonset',
    hostNetwork: true,
    containers: [{ name: 'kube-proxy', command: commands.httpd(port) }],
  });
  await runPod(cri, tb, {
    name: 'calico-x',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico', command: commands.ignoreTerm() }],
  });
  await waitFor('port held', async () => !(await canBind(port)));
  const shims = tb.shimPids();
  t.ok(shims.length >= 1, 'shims running');
  const firstContainerdPid = tb.containerdPid!;
  await tb.killContainerd();
  t.ok(tb.shimPids().length >= 1, 'shims outlive containerd');
  t.notOk(await canBind(port), 'and keep holding the port');
  t.equal(tb.containerdPid, undefined, 'no containerd pid after the kill');

  await tb.startContainerd();
  t.equal((await tb.cri().listPodSandbox()).length, 2, 'a restarted containerd reconnects to its pods');
  await tb.killContainerd();

  // The pod-netns sandbox's DEL never ran: libcni's cache on the machine still records it.
  t.ok(cniCacheFilesOf(tb.dir).length >= 1, `libcni cached the sandbox's ADD in ${CNI_CACHE_RESULTS_DIR}`);

  const report = await tb.teardown();
  t.same(report.problems, [], 'no teardown problems');
  t.same(cniCacheFilesOf(tb.dir), [], 'teardown removed the libcni cache files of its sandboxes');
  t.ok(report.removedCniCacheFiles.length >= 1, 'and says which');
  t.notOk(existsSync(tb.dir), 'testbed dir removed');
  t.same(mountsUnder(tb.dir), [], 'no mounts under the testbed dir');
  // Zombies are dead already; reaping them is their parent's (here: PID 1's) job.
  const ours = listProcesses()
    .filter((p) => p.state !== 'Z')
    .filter((p) => p.pid === firstContainerdPid || p.argv.some((a) => a.includes(tb.dir)) || shims.some((s) => s.pid === p.pid));
  t.same(ours, [], 'no containerd, shim or container process of the testbed left');
  t.ok(await canBind(port), 'port free');
  t.notOk(existsSync(`/sys/fs/cgroup/memory${tb.cgroupParent}`), 'cgroup parent removed');
});

t.test('removeCniCacheOf removes only the cache files that record a netns inside the dir', (t) => {
  const root = mkdtempSync('/tmp/ks-cnicache-');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const cache = path.join(root, 'results');
  mkdirSync(cache);
  const doc = (sandbox: string) =>
    JSON.stringify({ kind: 'cniCacheV1', containerId: 'x', result: { interfaces: [{ name: 'cni0' }, { name: 'eth0', sandbox }] } });
  const tbDir = path.join(root, 'ks-abc');
  writeFileSync(path.join(cache, 'ours-eth0'), doc(`${tbDir}/state/io.containerd.grpc.v1.cri/netns/cni-1`));
  writeFileSync(path.join(cache, 'sibling-eth0'), doc(`${tbDir}d/state/io.containerd.grpc.v1.cri/netns/cni-2`));
  writeFileSync(path.join(cache, 'host-eth0'), doc('/var/run/netns/cni-3'));
  writeFileSync(path.join(cache, 'dotdot-eth0'), doc(`${tbDir}/../elsewhere/cni-4`));
  writeFileSync(path.join(cache, 'broken-eth0'), `{"result": {"interfaces": [{"sandbox": "${tbDir}/x"`);
  writeFileSync(path.join(cache, 'noresult-lo'), JSON.stringify({ kind: 'cniCacheV1', containerId: 'y' }));
  symlinkSync(path.join(cache, 'ours-eth0'), path.join(cache, 'link-eth0'));
  const problems: string[] = [];
  t.same(removeCniCacheOf(tbDir, cache, problems), [path.join(cache, 'ours-eth0')]);
  t.same(problems, []);
  t.same(
    readdirSync(cache).sort(),
    ['broken-eth0', 'dotdot-eth0', 'host-eth0', 'link-eth0', 'noresult-lo', 'sibling-eth0'],
    'every other file stays',
  );
  t.same(removeCniCacheOf(tbDir, path.join(root, 'absent')), [], 'no cache dir: nothing to do');
  t.end();
});
