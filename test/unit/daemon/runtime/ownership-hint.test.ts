// The residue item says what would prove a process ours: a cgroup naming a container with no
// task bundle under the containerd dirs in use.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { defaultSweepConfig } from '../../../../agent/daemon/engine-config';
import { unprovenOwnershipHint } from '../../../../agent/daemon/runtime/ownership-hint';
import { verifyNode } from '../../../../agent/daemon/sweep/verify-node';

const id = 'ab'.repeat(32);

t.test('cgroup names a container, no bundle: the hint; a bundle or no container cgroup: none', async (t) => {
  const d = mkdtempSync('/tmp/ks-hint-');
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  const proc = path.join(d, 'proc');
  mkdirSync(path.join(proc, '100'), { recursive: true });
  mkdirSync(path.join(proc, '200'), { recursive: true });
  writeFileSync(path.join(proc, '100', 'cgroup'), `12:pids:/ks-testbed/k8s.io/${id}\n0::/\n`);
  writeFileSync(path.join(proc, '200', 'cgroup'), '12:pids:/user.slice\n0::/user.slice\n');
  const q = { procRoot: proc, containerdDirs: ['/run/containerd', '/var/lib/containerd'], namespace: 'k8s.io' };
  t.equal(
    unprovenOwnershipHint(100, q),
    'cgroup names container ababababababa; no task bundle under /run/containerd, /var/lib/containerd; if containerd keeps its state elsewhere, set --containerd-dir or start the agent while containerd runs',
  );
  t.equal(unprovenOwnershipHint(200, q), undefined, 'not a container cgroup: nothing to prove');
  t.equal(unprovenOwnershipHint(300, q), undefined, 'gone');
  const state = path.join(d, 'state');
  mkdirSync(path.join(state, 'io.containerd.runtime.v2.task', 'k8s.io', id), { recursive: true });
  writeFileSync(path.join(state, 'io.containerd.runtime.v2.task', 'k8s.io', id, 'config.json'), '{}');
  t.equal(unprovenOwnershipHint(100, { ...q, containerdDirs: [state] }), undefined, 'its bundle is there: proven, no hint');
});

t.test('verify: a held port whose owner cannot be proven ours carries the hint', async (t) => {
  const d = mkdtempSync('/tmp/ks-hint-');
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  const proc = path.join(d, 'proc');
  mkdirSync(path.join(proc, '100'), { recursive: true });
  writeFileSync(path.join(proc, '100', 'cgroup'), `12:pids:/ks-testbed/k8s.io/${id}\n`);
  const config = defaultSweepConfig({
    procRoot: proc,
    containerdDirs: [path.join(d, 'state')],
    stateDir: path.join(d, 'ks'),
    manifestsDir: path.join(d, 'm'),
  });
  const listener = {
    protocol: 'tcp' as const,
    family: 4 as const,
    address: '127.0.0.1',
    port: 6443,
    inode: 1,
    netns: { inode: 1, host: true },
    owners: [{ pid: 100, command: 'httpd', residue: false }],
  };
  const v = await verifyNode({
    config,
    cri: undefined as never,
    checkPorts: async () => ({ allFree: false, ports: [{ port: 6443, held: true, listeners: [listener] }] }),
    ports: [6443],
    scope: 'all',
    checks: { pods: false, shims: false, netns: false, manifests: false },
  });
  t.match(
    v.residue[0].why,
    `(cgroup names container ababababababa; no task bundle under ${path.join(d, 'state')}; if containerd keeps its state elsewhere, set --containerd-dir or start the agent while containerd runs)`,
  );
});
