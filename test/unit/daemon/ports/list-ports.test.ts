// listPorts/checkPorts over a fake /proc tree built from captured fixtures: the whole pipeline
// (tables → fd scan → cgroup → shim → bundle → CRI snapshot → residue) without a containerd.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { CriClient } from '../../../../agent/daemon/cri/client';
import type { Container, PodSandbox } from '../../../../agent/daemon/cri/messages';
import { checkPorts, listPorts } from '../../../../agent/daemon/ports';
import { describeListener } from '../../../../agent/shared/describe';

const FIX = path.join(__dirname, '../../../fixtures/ports');
const HOST_NS = 4026531993;
const POD_NS = 4026532182;
const SANDBOX = '046746af362f18f1e41b800dfccda0184de149552e8b5d33eb0b09566bae9f84';
const CONTAINER = 'a70a01f2ccc862e4628ca9b4fe09a7dd523d4cef26ee8fe916289ca3243df6aa'; // from the container cgroup fixture
const POD_CONTAINER = '65a4697d95b0f69ca728b136f2c902f8614463fc44a4d3848da7e4af15a8d352';

interface FakeProc {
  pid: number;
  ppid: number;
  argv: string[];
  netns: number;
  cgroup: string;
  sockets?: number[];
  cwd?: string;
  tables?: Record<string, string>;
}

function fakeProc(root: string, p: FakeProc): void {
  const dir = path.join(root, String(p.pid));
  mkdirSync(path.join(dir, 'fd'), { recursive: true });
  mkdirSync(path.join(dir, 'ns'));
  const comm = path.basename(p.argv[0] ?? 'x').slice(0, 15);
  writeFileSync(path.join(dir, 'stat'), `${p.pid} (${comm}) S ${p.ppid} ${Array(17).fill('0').join(' ')} 4242 0 0\n`);
  writeFileSync(path.join(dir, 'cmdline'), p.argv.map((a) => a + '\0').join(''));
  writeFileSync(path.join(dir, 'cgroup'), p.cgroup);
  symlinkSync(`net:[${p.netns}]`, path.join(dir, 'ns', 'net'));
  if (p.cwd) symlinkSync(p.cwd, path.join(dir, 'cwd'));
  symlinkSync('/dev/null', path.join(dir, 'fd', '0'));
  (p.sockets ?? []).forEach((ino, i) => symlinkSync(`socket:[${ino}]`, path.join(dir, 'fd', String(10 + i))));
  if (p.tables) {
    mkdirSync(path.join(dir, 'net'));
    for (const [name, fixture] of Object.entries(p.tables)) copyFileSync(path.join(FIX, fixture), path.join(dir, 'net', name));
  }
}

const HOST_TABLES = { tcp: 'proc-net-tcp.txt', tcp6: 'proc-net-tcp6.txt', udp: 'proc-net-udp.txt', udp6: 'proc-net-udp6.txt' };
const POD_TABLES = { tcp: 'proc-net-tcp-pod-netns.txt', tcp6: 'proc-net-udp6.txt', udp: 'proc-net-udp.txt', udp6: 'proc-net-udp6.txt' };
const host = readFileSync(path.join(FIX, 'cgroup-v1-host-process.txt'), 'utf8');

function buildTree(t: Test, containerdSocket: string, shimNamespace = 'k8s.io') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ks-ports-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const proc = path.join(dir, 'proc');
  const bundles = path.join(dir, 'bundles');
  mkdirSync(path.join(bundles, SANDBOX), { recursive: true });
  mkdirSync(path.join(bundles, CONTAINER));
  copyFileSync(path.join(FIX, 'bundle-config-container.json'), path.join(bundles, CONTAINER, 'config.json'));
  const shimArgv = ['/usr/bin/containerd-shim-runc-v2', '-namespace', shimNamespace, '-id', SANDBOX, '-address', containerdSocket];
  fakeProc(proc, { pid: 1, ppid: 0, argv: ['/sbin/init'], netns: HOST_NS, cgroup: host, tables: HOST_TABLES });
  fakeProc(proc, { pid: 100, ppid: 1, argv: shimArgv, netns: HOST_NS, cgroup: host, cwd: path.join(bundles, SANDBOX) });
  // The static pod's container (host network) holds 127.0.0.1:46443; a forked child shares it.
  const cg = readFileSync(path.join(FIX, 'cgroup-v1-testbed-container.txt'), 'utf8');
  fakeProc(proc, {
    pid: 101,
    ppid: 100,
    argv: ['/bin/busybox', 'httpd', '-f', '-p', '127.0.0.1:46443'],
    netns: HOST_NS,
    cgroup: cg,
    sockets: [19393, 19400],
  });
  fakeProc(proc, {
    pid: 102,
    ppid: 101,
    argv: ['/bin/busybox', 'httpd', '-f', '-p', '127.0.0.1:46443'],
    netns: HOST_NS,
    cgroup: cg,
    sockets: [19393],
  });
  // A plain host process holds the rest of the host listeners.
  fakeProc(proc, {
    pid: 200,
    ppid: 1,
    argv: ['node', 'capture.js'],
    netns: HOST_NS,
    cgroup: host,
    sockets: [19394, 19395, 19396, 19397, 19398, 19403, 19404, 19405, 19407],
  });
  // A pod-netns container with its own listener (0.0.0.0:46602).
  const podCg = `0::/kubesweep-testbed-x/${POD_CONTAINER}\n`;
  fakeProc(proc, {
    pid: 300,
    ppid: 100,
    argv: ['/bin/busybox', 'httpd', '-f', '-p', '0.0.0.0:46602'],
    netns: POD_NS,
    cgroup: podCg,
    sockets: [21131],
    tables: POD_TABLES,
  });
  return { proc };
}

function fakeCri(sandboxes: Partial<PodSandbox>[], containers: Partial<Container>[]): CriClient {
  return {
    endpoint: 'unix:///nonexistent/c.sock',
    listPodSandbox: async () => sandboxes as PodSandbox[],
    listContainers: async () => containers as Container[],
  } as unknown as CriClient;
}

const staticSandbox: Partial<PodSandbox> = {
  id: SANDBOX,
  metadata: { name: 'nginx-proxy-node3', namespace: 'kube-system', uid: '15b0e1b0-8c78-4f84-a1a0-32e1745ba5fa' },
  state: 'SANDBOX_READY',
  labels: { tier: 'node' },
  annotations: { 'kubernetes.io/config.source': 'file' },
};
const runningContainer: Partial<Container> = {
  id: CONTAINER,
  podSandboxId: SANDBOX,
  metadata: { name: 'nginx-proxy', attempt: 0 },
  state: 'CONTAINER_RUNNING',
};

async function liveSocket(t: Test): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ks-sock-'));
  const sock = path.join(dir, 'c.sock');
  const srv = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => srv.listen(sock, r));
  t.teardown(
    () =>
      new Promise<void>((r) =>
        srv.close(() => {
          rmSync(dir, { recursive: true, force: true });
          r();
        }),
      ),
  );
  return sock;
}

t.test('host netns: every listener with its owners; container attributed through the CRI snapshot', async (t) => {
  const sock = await liveSocket(t);
  const { proc } = buildTree(t, sock);
  const r = await listPorts({}, { procRoot: proc, cri: fakeCri([staticSandbox], [runningContainer]), containerdAddress: `unix://${sock}` });
  t.equal(r.criError, undefined);
  t.equal(r.malformedLines, 0);
  t.same(r.netnsScanned, [{ inode: HOST_NS, name: 'host', host: true, memberPid: 1 }]);
  t.same(
    r.listeners.map((l) => `${l.protocol}${l.family} ${l.address}:${l.port}`),
    [
      'tcp4 0.0.0.0:2024',
      'tcp4 127.0.0.1:46443',
      'tcp4 0.0.0.0:46444',
      'tcp6 :::46445',
      'tcp6 :::46446',
      'tcp6 ::1:46447',
      'tcp6 ::ffff:127.0.0.1:46448',
      'udp4 127.0.0.1:46453',
      'udp6 :::46454',
      'udp4 0.0.0.0:46455',
      'udp6 ::ffff:127.0.0.1:46456',
    ],
    'TCP LISTEN and unconnected UDP only, host netns only (the pod listener on 46602 is not here)',
  );
  const l = r.listeners.find((x) => x.port === 46443)!;
  t.same(
    l.owners.map((o) => o.pid),
    [101, 102],
    'both processes sharing the socket',
  );
  const o = l.owners[0];
  t.equal(o.command, '/bin/busybox httpd -f -p 127.0.0.1:46443');
  t.equal(o.containerId, CONTAINER);
  t.equal(o.containerName, 'nginx-proxy');
  t.same(o.pod, {
    name: 'nginx-proxy-node3',
    namespace: 'kube-system',
    uid: '15b0e1b0-8c78-4f84-a1a0-32e1745ba5fa',
    kind: 'static',
    hostNetwork: true,
    sandboxId: SANDBOX,
  });
  t.equal(o.residue, false);
  t.equal(o.residueReason, undefined);
  t.equal(o.shimPid, 100, "the shim found through the child's grandparent too");
  t.equal(l.owners[1].shimPid, 100);
  t.match(
    describeListener(l),
    /^tcp 127\.0\.0\.1:46443 held by pid 101 \(\/bin\/busybox httpd [^)]*\), container nginx-proxy, pod kube-system\/nginx-proxy-node3 \[static, host network\]; pid /,
  );
  const plain = r.listeners.find((x) => x.port === 46444)!.owners;
  t.same(plain, [{ pid: 200, command: 'node capture.js', residue: false }], 'a host process: no container, no residue');
  t.same(r.listeners.find((x) => x.port === 2024)!.owners, [], 'a socket nobody visible holds');
});

t.test('residue: the CRI answers but no longer knows the container or its sandbox', async (t) => {
  const sock = await liveSocket(t);
  const { proc } = buildTree(t, sock);
  const goneSandbox = await listPorts({}, { procRoot: proc, cri: fakeCri([], [runningContainer]), containerdAddress: sock });
  const o1 = goneSandbox.listeners.find((x) => x.port === 46443)!.owners[0];
  t.equal(o1.residue, true);
  t.match(o1.residueReason, /its sandbox 046746af362f1 is gone from the CRI/);
  t.equal(o1.pod, undefined, 'no pod from the CRI');
  t.equal(o1.podName, 'nginx-proxy-node3', 'named from the OCI bundle instead');
  t.equal(o1.podNamespace, 'kube-system');
  t.equal(o1.sandboxId, '01aa3333f1d46ec33c905da57a9ce6fc20006840e0f82eaf9579d2161cc1b8e1');
  const unknown = await listPorts({}, { procRoot: proc, cri: fakeCri([staticSandbox], []), containerdAddress: sock });
  const o2 = unknown.listeners.find((x) => x.port === 46443)!.owners[0];
  t.equal(o2.residue, true);
  t.match(o2.residueReason, /container a70a01f2ccc86 is unknown to the CRI/);
  t.equal(o2.containerName, 'nginx-proxy', 'container name from the bundle');
  const exited = await listPorts(
    {},
    { procRoot: proc, cri: fakeCri([staticSandbox], [{ ...runningContainer, state: 'CONTAINER_EXITED' }]), containerdAddress: sock },
  );
  t.match(
    exited.listeners.find((x) => x.port === 46443)!.owners[0].residueReason,
    /reports the container exited but its process still runs/,
  );
});

t.test("residue: the shim's containerd is gone (socket missing); the CRI cannot be asked", async (t) => {
  const { proc } = buildTree(t, '/nonexistent-ks/c.sock');
  const r = await listPorts({}, { procRoot: proc, containerdAddress: '/nonexistent-ks/c.sock' });
  t.equal(r.criError, 'no CRI client configured');
  const o = r.listeners.find((x) => x.port === 46443)!.owners[0];
  t.equal(o.residue, true);
  t.match(
    o.residueReason,
    /its shim \(pid 100\) reports to containerd at \/nonexistent-ks\/c\.sock, which is gone \(the socket does not exist\)/,
  );
  t.equal(o.podName, 'nginx-proxy-node3');
});

t.test('CRI not reachable but containerd socket answers: not flagged, reason says why', async (t) => {
  const sock = await liveSocket(t);
  const { proc } = buildTree(t, sock);
  const failing = {
    endpoint: `unix://${sock}`,
    listPodSandbox: async () => {
      throw new Error('CRI ListPodSandbox: deadline');
    },
    listContainers: async () => [],
  } as unknown as CriClient;
  const r = await listPorts({}, { procRoot: proc, cri: failing });
  t.equal(r.criError, 'CRI ListPodSandbox: deadline');
  const o = r.listeners.find((x) => x.port === 46443)!.owners[0];
  t.equal(o.residue, false);
  t.equal(o.residueReason, 'not checked: the CRI could not be asked (CRI ListPodSandbox: deadline)');
  t.equal(o.pod, undefined);
});

t.test('a shim of another containerd: not judged against our CRI', async (t) => {
  const sock = await liveSocket(t);
  const { proc } = buildTree(t, sock);
  const r = await listPorts({}, { procRoot: proc, cri: fakeCri([], []), containerdAddress: '/run/other/containerd.sock' });
  const o = r.listeners.find((x) => x.port === 46443)!.owners[0];
  t.equal(o.residue, false, 'its own containerd answers; our CRI not knowing it proves nothing');
  t.equal(o.shimAddress, sock);
});

t.test('a docker container (namespace moby) in the same containerd: not judged against the CRI', async (t) => {
  const sock = await liveSocket(t);
  const { proc } = buildTree(t, sock, 'moby');
  const r = await listPorts({}, { procRoot: proc, cri: fakeCri([], []), containerdAddress: sock, containerdNamespace: 'k8s.io' });
  const o = r.listeners.find((x) => x.port === 46443)!.owners[0];
  t.equal(o.residue, false);
  t.equal(o.residueReason, undefined);
  const k8s = await listPorts({}, { procRoot: proc, cri: fakeCri([], []), containerdAddress: sock, containerdNamespace: 'moby' });
  t.equal(k8s.listeners.find((x) => x.port === 46443)!.owners[0].residue, true, 'judged when it is the configured namespace');
});

t.test('all netns: the pod netns is read through its member and its listener appears, tagged', async (t) => {
  const sock = await liveSocket(t);
  const { proc } = buildTree(t, sock);
  const r = await listPorts(
    { allNetns: true },
    { procRoot: proc, cri: fakeCri([staticSandbox], [runningContainer]), containerdAddress: sock },
  );
  t.same(
    r.netnsScanned.map((n) => [n.inode, n.host, n.memberPid]),
    [
      [HOST_NS, true, 1],
      [POD_NS, false, 300],
    ],
  );
  const pod = r.listeners.filter((l) => !l.netns.host);
  t.same(
    pod.filter((l) => l.protocol === 'tcp').map((l) => `${l.address}:${l.port}`),
    ['0.0.0.0:46602'],
  );
  const o = pod.find((l) => l.port === 46602)!.owners[0];
  t.equal(o.pid, 300);
  t.equal(o.residue, true, 'unknown to the (fake) CRI');
  t.equal(pod[0].netns.inode, POD_NS);
  t.match(describeListener(pod.find((l) => l.port === 46602)!), /^tcp 0\.0\.0\.0:46602 in netns 4026532182 held by pid 300 /);
});

t.test('checkPorts: held on any address and family; default set; bad input refused', async (t) => {
  const sock = await liveSocket(t);
  const { proc } = buildTree(t, sock);
  const deps = { procRoot: proc, cri: fakeCri([staticSandbox], [runningContainer]), containerdAddress: sock };
  const c = await checkPorts([46445, 46443, 46454, 46602, 6443], deps);
  t.equal(c.allFree, false);
  t.same(
    c.ports.map((p) => [p.port, p.held]),
    [
      [6443, false],
      [46443, true],
      [46445, true],
      [46454, true],
      [46602, false],
    ],
    'sorted; a pod-netns listener does not hold a host port',
  );
  t.equal(c.ports.find((p) => p.port === 46443)!.listeners[0].owners[0].pod?.kind, 'static');
  t.same(
    c.ports.find((p) => p.port === 46454)!.listeners.map((l) => `${l.protocol}${l.family} ${l.address}`),
    ['udp6 ::'],
  );
  const d = await checkPorts([], deps);
  t.same(
    d.ports.map((p) => p.port),
    [179, 2379, 2380, 2381, 6443, 8081, 9099, 9253, 9254, 10248, 10249, 10250, 10256, 10257, 10259],
    'empty = the Kubespray node set',
  );
  t.equal(d.allFree, true);
  await t.rejects(checkPorts([0, 70000, 1.5], deps), { code: 'KS_INVALID_ARGUMENT' });
});

t.test('no readable host netns: a registry error, not a crash', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ks-ports-empty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // An empty procRoot: no pid 1 and (under this root) no self either.
  await t.rejects(listPorts({}, { procRoot: dir }), { code: 'KS_INTERNAL' });
});
