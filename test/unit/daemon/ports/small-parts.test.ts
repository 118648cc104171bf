// The small readers and helpers of the port report: bundle config, netns links and files,
// socket liveness, fd links and node facts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { parseBundleConfig, readBundleFacts } from '../../../../agent/daemon/ports/bundle';
import { podKindOfSandbox } from '../../../../agent/daemon/ports/cri-index';
import { nodeFacts } from '../../../../agent/daemon/ports';
import { parseNsLink } from '../../../../agent/daemon/host/proc';
import { namedNetns } from '../../../../agent/daemon/ports/netns';
import { scanSocketOwners, socketInodeOfLink } from '../../../../agent/daemon/ports/socket-owners';
import { socketAnswers } from '../../../../agent/daemon/ports/socket-answers';

const FIX = path.join(__dirname, '../../../fixtures/ports');

function tmp(t: Test, prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

t.test('OCI bundle config: the CRI annotations of a captured testbed container', async (t) => {
  t.same(parseBundleConfig(readFileSync(path.join(FIX, 'bundle-config-container.json'), 'utf8')), {
    containerName: 'nginx-proxy',
    containerType: 'container',
    sandboxId: '01aa3333f1d46ec33c905da57a9ce6fc20006840e0f82eaf9579d2161cc1b8e1',
    podName: 'nginx-proxy-node3',
    podNamespace: 'kube-system',
    podUid: '15b0e1b0-8c78-4f84-a1a0-32e1745ba5fa',
  });
  t.equal(parseBundleConfig('{"ociVersion": "1.0.2'), undefined, 'truncated JSON');
  t.same(parseBundleConfig('{"ociVersion":"1.0.2"}'), {}, 'no annotations');
  t.same(parseBundleConfig('{"annotations":{"io.kubernetes.cri.sandbox-name":7}}'), {}, 'non-string values ignored');
  t.same(parseBundleConfig('null'), {});
});

t.test('readBundleFacts goes through the shim cwd to the sibling bundle dir', async (t) => {
  const d = tmp(t, 'ks-bundle-');
  mkdirSync(path.join(d, 'proc', '42'), { recursive: true });
  mkdirSync(path.join(d, 'task', 'sb'), { recursive: true });
  mkdirSync(path.join(d, 'task', 'ctr'));
  writeFileSync(path.join(d, 'task', 'ctr', 'config.json'), '{"annotations":{"io.kubernetes.cri.container-name":"c1"}}');
  symlinkSync(path.join(d, 'task', 'sb'), path.join(d, 'proc', '42', 'cwd'));
  t.same(readBundleFacts(42, 'ctr', path.join(d, 'proc')), { containerName: 'c1' });
  t.equal(readBundleFacts(42, 'missing', path.join(d, 'proc')), undefined);
  t.equal(readBundleFacts(42, '../../etc', path.join(d, 'proc')), undefined, 'an id with a path in it is refused');
  t.equal(readBundleFacts(43, 'ctr', path.join(d, 'proc')), undefined, 'no such shim');
});

t.test('pod kind from sandbox labels and annotations (as the kubelet sets them)', async (t) => {
  t.equal(podKindOfSandbox({ labels: {}, annotations: { 'kubernetes.io/config.source': 'file' } }), 'static');
  t.equal(podKindOfSandbox({ labels: {}, annotations: { 'kubernetes.io/config.source': 'http' } }), 'static');
  t.equal(
    podKindOfSandbox({
      labels: { 'controller-revision-hash': 'x', 'pod-template-generation': '1' },
      annotations: { 'kubernetes.io/config.source': 'api' },
    }),
    'daemonset',
  );
  t.equal(
    podKindOfSandbox({ labels: { 'controller-revision-hash': 'x' }, annotations: {} }),
    'pod',
    'a StatefulSet pod has a revision hash but no template generation',
  );
  t.equal(podKindOfSandbox({ labels: {}, annotations: {} }), 'pod');
});

t.test('netns: link parsing; only live nsfs files are named', async (t) => {
  t.equal(parseNsLink('net:[4026531833]'), 4026531833);
  t.equal(parseNsLink('mnt:[4026531833]'), undefined);
  t.equal(parseNsLink('net:[]'), undefined);
  const d = tmp(t, 'ks-netns-');
  writeFileSync(path.join(d, 'cni-leftover'), ''); // a placeholder whose mount is gone
  symlinkSync('/proc/self/ns/net', path.join(d, 'self-link'));
  const named = namedNetns([d, path.join(d, 'does-not-exist')]);
  t.same(
    [...named.values()].map((v) => v.name),
    ['self-link'],
    'the nsfs file is named, the empty leftover is not',
  );
  const [ino] = [...named.keys()];
  t.equal(`net:[${ino}]`, (await import('node:fs')).readlinkSync('/proc/self/ns/net'), 'keyed by the netns inode');
});

t.test('socket liveness: answering, refused, missing', async (t) => {
  const d = tmp(t, 'ks-sock-');
  const sock = path.join(d, 's.sock');
  const srv = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => srv.listen(sock, r));
  t.same(await socketAnswers(sock), { answering: true });
  await new Promise<void>((r) => srv.close(() => r()));
  t.same(await socketAnswers(sock), { answering: false, why: 'the socket does not exist' }, 'closed server: socket file removed');
  // A file where the socket should be, with nobody listening (like a SIGKILLed daemon's path).
  writeFileSync(path.join(d, 'stale.sock'), '');
  t.same(await socketAnswers(path.join(d, 'stale.sock')), { answering: false, why: 'connection refused' });
});

t.test('fd links and the fd scan', async (t) => {
  t.equal(socketInodeOfLink('socket:[19393]'), 19393);
  t.equal(socketInodeOfLink('pipe:[19393]'), undefined);
  t.equal(socketInodeOfLink('socket:[]'), undefined);
  t.equal(socketInodeOfLink('/dev/null'), undefined);
  // Against the real /proc: a socket this process holds is found, with this pid.
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  const fd = (srv as unknown as { _handle: { fd: number } })._handle.fd;
  const inode = socketInodeOfLink((await import('node:fs')).readlinkSync(`/proc/self/fd/${fd}`))!;
  const scan = scanSocketOwners(new Set([inode]));
  t.same(scan.owners.get(inode), [process.pid]);
  t.same(scanSocketOwners(new Set()).owners.size, 0, 'nothing asked, nothing scanned');
});

t.test('node facts from systeminformation agree with the kernel', async (t) => {
  const f = await nodeFacts();
  t.equal(f.kernel, os.release());
  t.equal(f.hostname, os.hostname());
  t.equal(f.memoryBytes, os.totalmem());
  t.ok(f.cpus >= 1 && f.cpus <= os.cpus().length * 2);
  t.ok(f.uptimeSeconds > 0 && Math.abs(f.uptimeSeconds - os.uptime()) < 60);
  t.ok(f.os.length > 0);
  t.equal(f.arch, os.arch());
});
