// The port report against a real containerd: who holds a port, in which netns, for which pod,
// and whether it is residue after containerd alone is killed (the Kubespray remove-node bug).
import { readFileSync, readdirSync } from 'node:fs';
import t from 'tap';
import { checkPorts, listPorts, type Listener, type PortsDeps } from '../../../agent/daemon/ports';
import { describeListener } from '../../../agent/shared/describe';
import { parseCmdline } from '../../../agent/daemon/host/proc';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

function argvOf(pid: number): string[] {
  try {
    return parseCmdline(readFileSync(`/proc/${pid}/cmdline`));
  } catch {
    return [];
  }
}

const onPort = (ls: Listener[], port: number) => ls.filter((l) => l.port === port && l.protocol === 'tcp');

t.test('port report on the testbed: owners, pods, netns, residue', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  t.teardown(() => cri.close());
  const [hostPort, dsPort, podPort] = [await freePort(), await freePort(), await freePort()];

  const staticPod = await runPod(cri, tb, {
    name: 'nginx-proxy-node3',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(hostPort) }],
  });
  const dsPod = await runPod(cri, tb, {
    name: 'kube-proxy-abcde',
    kind: 'daemonset',
    hostNetwork: true,
    containers: [{ name: 'kube-proxy', command: commands.httpd(dsPort) }],
  });
  const netnsPod = await runPod(cri, tb, {
    name: 'web-1',
    kind: 'pod',
    hostNetwork: false,
    // Wildcard inside the pod's own netns: listening only, no traffic.
    containers: [{ name: 'web', command: commands.httpd(podPort, '0.0.0.0') }],
  });
  await waitFor(`host ports ${hostPort}, ${dsPort} held`, async () => !(await canBind(hostPort)) && !(await canBind(dsPort)));

  const deps: PortsDeps = { cri, netnsDirs: [tb.netnsDir], containerdAddress: tb.socket, containerdNamespace: tb.namespace };
  const netnsFile = readdirSync(tb.netnsDir).find((n) => n.startsWith('cni-'));
  t.ok(netnsFile, 'the pod netns file exists');

  // The pod's httpd may need a moment to bind inside its netns.
  const all = await waitFor('pod listener visible with all netns', async () => {
    const r = await listPorts({ allNetns: true }, deps);
    return onPort(r.listeners, podPort).some((l) => !l.netns.host) ? r : undefined;
  });

  await t.test('host netns (default): the static pod listener with pid, container, pod, kind', async (t) => {
    const r = await listPorts({}, deps);
    t.equal(r.criError, undefined, 'the CRI answered');
    t.same(
      r.netnsScanned.map((n) => n.host),
      [true],
      'only the host netns read',
    );
    const ls = onPort(r.listeners, hostPort);
    t.equal(ls.length, 1, `one listener on ${hostPort}`);
    const l = ls[0];
    t.equal(l.address, '127.0.0.1');
    t.equal(l.family, 4);
    t.equal(l.owners.length, 1, 'one owner');
    const o = l.owners[0];
    t.ok(argvOf(o.pid).includes(`127.0.0.1:${hostPort}`), `pid ${o.pid} really is the httpd on ${hostPort}`);
    t.match(o.command, /^\/bin\/busybox httpd -f -p 127\.0\.0\.1:/);
    t.equal(o.containerId, staticPod.containerIds[0], 'container id from the cgroup');
    t.equal(o.containerName, 'nginx-proxy');
    t.same(o.pod, {
      name: 'nginx-proxy-node3',
      namespace: 'kube-system',
      uid: staticPod.uid,
      kind: 'static',
      hostNetwork: true,
      sandboxId: staticPod.sandboxId,
    });
    t.equal(o.residue, false, 'a live pod is not residue');
    t.ok(o.shimPid && parseCmdline(readFileSync(`/proc/${o.shimPid}/cmdline`)).includes(tb.socket), "its shim is the testbed containerd's");
    t.comment(describeListener(l));

    const ds = onPort(r.listeners, dsPort)[0].owners[0];
    t.equal(ds.pod?.kind, 'daemonset');
    t.equal(ds.pod?.name, 'kube-proxy-abcde');
    t.equal(ds.containerId, dsPod.containerIds[0]);
    t.same(onPort(r.listeners, podPort), [], 'the pod-netns listener is not in the host report');
  });

  await t.test('all netns: the pod-netns listener, tagged with its netns file name', async (t) => {
    const ls = onPort(all.listeners, podPort).filter((l) => !l.netns.host);
    t.equal(ls.length, 1);
    const l = ls[0];
    t.equal(l.netns.name, netnsFile, 'named after the cni-* file');
    t.equal(l.address, '0.0.0.0');
    const o = l.owners[0];
    t.ok(argvOf(o.pid).includes(`0.0.0.0:${podPort}`), 'the pod httpd');
    t.equal(o.containerId, netnsPod.containerIds[0]);
    t.same(o.pod, {
      name: 'web-1',
      namespace: 'default',
      uid: netnsPod.uid,
      kind: 'pod',
      hostNetwork: false,
      sandboxId: netnsPod.sandboxId,
    });
    const nsRef = all.netnsScanned.find((n) => n.name === netnsFile)!;
    t.ok(nsRef && nsRef.memberPid && nsRef.inode === l.netns.inode, 'the netns was read through a member process');
    t.equal(all.netnsScanned.filter((n) => n.inode === l.netns.inode).length, 1, 'each netns read once');
    t.ok(
      onPort(all.listeners, hostPort).some((l) => l.netns.host),
      'host listeners are in the all-netns report too',
    );
  });

  await t.test('checkPorts: host ports held (with owners), a pod-netns port is not', async (t) => {
    const c = await checkPorts([hostPort, podPort], deps);
    t.equal(c.allFree, false);
    const held = c.ports.find((p) => p.port === hostPort)!;
    t.equal(held.held, true);
    t.equal(held.listeners[0].owners[0].pod?.name, 'nginx-proxy-node3');
    t.equal(c.ports.find((p) => p.port === podPort)!.held, false, 'a pod netns port does not block a host bind');
  });

  await t.test('containerd alone killed: the same listener is reported as residue', async (t) => {
    const before = onPort((await listPorts({}, deps)).listeners, hostPort)[0].owners[0];
    // The testbed's containerd child is unref'd: keep the event loop alive while its exit is awaited.
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      await tb.killContainerd();
    } finally {
      clearInterval(keepAlive);
    }
    t.notOk(await canBind(hostPort), 'the shim keeps the container and its port alive');
    const r = await listPorts({}, deps);
    t.ok(r.criError, `the CRI cannot be asked: ${r.criError}`);
    const l = onPort(r.listeners, hostPort)[0];
    const o = l.owners[0];
    t.equal(o.pid, before.pid, 'same process');
    t.equal(o.containerId, staticPod.containerIds[0]);
    t.equal(o.residue, true, 'flagged as residue');
    t.match(o.residueReason, new RegExp(`reports to containerd at ${tb.socket.replace(/[.]/g, '\\.')}, which is gone`));
    t.equal(o.containerName, 'nginx-proxy', 'named from its OCI bundle');
    t.equal(o.podName, 'nginx-proxy-node3');
    t.equal(o.podNamespace, 'kube-system');
    t.equal(o.podUid, staticPod.uid);
    t.equal(o.sandboxId, staticPod.sandboxId);
    t.comment(describeListener(l));
    const c = await checkPorts([hostPort], deps);
    t.equal(c.ports[0].held, true);
    t.equal(c.ports[0].listeners[0].owners[0].residue, true, 'checkPorts says residue too');
  });

  await t.test('a pod netns with no process left is still found, by its file, and said to be unread', async (t) => {
    // Kill the pod's processes (children of its shim, which reports to this testbed's socket),
    // by pid; the shim and the netns bind mount stay, as after a half-done cleanup.
    const shim = tb.shimPids().find((s) => s.id === netnsPod.sandboxId);
    t.ok(shim, 'the pod-netns sandbox shim');
    const kids = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .filter((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === shim!.pid;
        } catch {
          return false;
        }
      });
    t.ok(kids.length >= 2, 'pause and httpd');
    for (const pid of kids) process.kill(pid, 'SIGKILL');
    // While the killed processes are still exiting, a scan can list them as members and then
    // find them gone ("every member process exited while the netns was read"); wait for the
    // settled state, where no process is in the netns at all.
    const r = await waitFor('pod netns without members', async () => {
      const rep = await listPorts({ allNetns: true }, deps);
      const ns = rep.netnsScanned.find((n) => n.name === netnsFile);
      return ns && ns.memberPid === undefined && /no process is in this netns/.test(ns.unread ?? '') ? rep : undefined;
    });
    const ns = r.netnsScanned.find((n) => n.name === netnsFile)!;
    t.match(ns.unread, /no process is in this netns/);
    t.equal(ns.host, false);
    t.same(onPort(r.listeners, podPort), [], 'its listener died with its process');
  });
});
