import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { defaultSweepConfig } from '../../../../agent/daemon/engine-config';
import { actionsOf } from '../../../../agent/daemon/sweep/actions';
import { buildPlan, PlanInput } from '../../../../agent/daemon/sweep/plan';
import type { NodeSnapshot } from '../../../../agent/daemon/sweep/snapshot';
import type { SandboxInfo } from '../../../../agent/daemon/sweep/types';
import { shimProc as shim } from '../../../helpers/shim-proc';

function sb(id: string, kind: SandboxInfo['kind'], hostNetwork: boolean): SandboxInfo {
  return { id, name: `pod-${id}`, namespace: 'kube-system', uid: `uid-${id}`, kind, hostNetwork, state: 'SANDBOX_READY', createdAt: '0' };
}

t.test('plan', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-plan-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const manifestsDir = path.join(root, 'manifests');
  const netnsDir = path.join(root, 'netns');
  mkdirSync(manifestsDir);
  mkdirSync(netnsDir);
  mkdirSync(path.join(root, 'io.containerd.grpc.v1.cri/sandboxes/n1/shm'), { recursive: true });
  const config = defaultSweepConfig({
    manifestsDir,
    netnsDirs: [netnsDir],
    stateDir: path.join(root, 'state'),
    containerdDirs: [root],
    containerdAddress: '/run/c.sock',
  });
  const snapshot = (): NodeSnapshot => ({
    takenAt: new Date('2026-11-29T12:00:00Z'),
    pods: {
      sandboxes: [sb('h1', 'static', true), sb('n1', 'daemonset', false), sb('h2', 'daemonset', true), sb('n2', 'pod', false)],
      containers: [
        {
          id: 'c-h1',
          name: 'apiserver',
          sandboxId: 'h1',
          state: 'CONTAINER_RUNNING',
          podName: 'pod-h1',
          podNamespace: 'kube-system',
          orphan: false,
        },
        { id: 'c-n2', name: 'web', sandboxId: 'n2', state: 'CONTAINER_RUNNING', podName: 'pod-n2', podNamespace: 'default', orphan: false },
        { id: 'c-orphan', name: 'old', sandboxId: 'gone', state: 'CONTAINER_EXITED', podName: 'x', podNamespace: 'y', orphan: true },
      ],
    },
    shims: [shim('h1', 100), shim('n1', 200), shim('h2', 300), shim('n2', 400)],
    netns: [
      {
        dir: netnsDir,
        path: path.join(netnsDir, 'cni-1'),
        name: 'cni-1',
        inode: 5,
        holders: [{ pid: 7, startTime: 1, command: 'sleep 1000', ours: false }],
      },
    ],
    containerMounts: [
      { mountPoint: path.join(root, 'io.containerd.grpc.v1.cri/sandboxes/n1/shm'), id: 'n1', sandboxId: 'n1', kind: 'shm' },
    ],
    manifests: [{ name: 'kube-apiserver.yaml', size: 3, sha256: 'ab' }],
    systemd: true,
    podPorts: [6443, 30000],
    shimless: [],
  });
  const input = (over: Partial<PlanInput> = {}): PlanInput => ({
    config,
    node: 'n',
    dryRun: true,
    scope: 'all',
    graceSeconds: 10,
    steps: ['stop-kubelet', 'backup-manifests', 'remove-pods', 'kill-shims', 'remove-netns', 'verify'],
    expectFreePorts: [6443, 10250],
    snapshot: snapshot(),
    ...over,
  });

  const plan = buildPlan(input());
  t.same(
    plan.steps.map((s) => [s.name, s.required]),
    [
      ['stop-kubelet', true],
      ['backup-manifests', true],
      ['remove-pods', false],
      ['kill-shims', false],
      ['remove-netns', false],
      ['verify', false],
    ],
  );
  t.same(
    plan.steps[0].actions.map((a) => `${a.action} ${a.target}`),
    ['stop-unit kubelet.service'],
  );
  t.same(
    plan.steps[1].actions.map((a) => a.action),
    ['backup-file', 'remove-file'],
    'all backups before any removal',
  );
  const pods = plan.steps[2].actions.map((a) => `${a.action} ${a.target}`);
  t.same(
    pods,
    [
      'remove-sandbox n1',
      'stop-container c-n2',
      'remove-sandbox n2',
      'stop-container c-h1',
      'remove-sandbox h1',
      'remove-sandbox h2',
      'stop-container c-orphan',
      'remove-container c-orphan',
    ],
    'own-netns pods first, then host-network pods, then orphan containers; one sandbox call a pod (RemovePodSandbox stops it)',
  );
  t.same(
    plan.steps[3].actions.filter((a) => a.action === 'kill-process').map((a) => a.target),
    ['100', '200', '300', '400'],
  );
  t.same(
    actionsOf(plan.steps[4].actions, 'remove-netns')[0].detail.blockedBy,
    ['pid 7 (sleep 1000)'],
    'a foreign holder is named in the plan',
  );
  t.same(
    plan.steps[5].actions[0],
    { step: 'verify', action: 'check', target: 'ports', detail: { ports: [6443, 10250, 30000], fromPods: [6443, 30000] } },
    'verify: expected ports plus the ports pods held',
  );

  t.same(
    actionsOf(plan.steps[2].actions, 'remove-sandbox').map((a) => a.detail.containers),
    [[], ['c-n2'], ['c-h1'], []],
    'the sandbox removal names the containers it removes',
  );
  const noGrace = buildPlan(input({ graceSeconds: 0 }));
  t.same(
    noGrace.steps[2].actions.map((a) => `${a.action} ${a.target}`),
    [
      'remove-sandbox n1',
      'remove-sandbox n2',
      'remove-sandbox h1',
      'remove-sandbox h2',
      'stop-container c-orphan',
      'remove-container c-orphan',
    ],
    'grace 0: RemovePodSandbox alone (its stop is the SIGKILL)',
  );
  t.notOk(noGrace.steps[2].actions.some((a) => a.action === 'stop-container' && a.target !== 'c-orphan'));

  const scoped = buildPlan(input({ scope: ['static'] }));
  t.same(
    scoped.steps[2].actions.map((a) => `${a.action} ${a.target}`),
    ['stop-container c-h1', 'remove-sandbox h1'],
    'scope static: the static pod only, no orphans',
  );
  t.match(scoped.steps[2].note, /only removed with scope all/);
  t.same(
    scoped.steps[3].actions.map((a) => a.target),
    ['100'],
    "only the static pod's shim; the shm mount of n1 is not in scope",
  );

  const down = buildPlan(input({ snapshot: { ...snapshot(), pods: { error: 'CRI down' }, systemd: false } }));
  t.same(down.steps[0].actions, []);
  t.match(down.steps[0].note, /systemd is not running/);
  t.match(down.steps[2].note, /CRI unreachable/);
  t.equal(down.steps[3].actions.filter((a) => a.action === 'kill-process').length, 4, 'CRI down: every shim of ours');
  const downScoped = buildPlan(input({ scope: ['static'], snapshot: { ...snapshot(), pods: { error: 'CRI down' } } }));
  t.same(downScoped.steps[3].actions, [], 'CRI down + restricted scope: kinds unknown, no shim killed');

  t.same(
    buildPlan(input({ steps: ['remove-netns'] })).steps.map((s) => s.name),
    ['remove-netns'],
    'a single step',
  );

  // A manifest symlinked outside is no veto: it is backed up as the link and the link removed;
  // an odd entry (a FIFO) is planned as left in place, with why.
  writeFileSync(path.join(root, 'secret'), 'x');
  symlinkSync(path.join(root, 'secret'), path.join(manifestsDir, 'evil.yaml'));
  const linked = buildPlan(
    input({
      snapshot: {
        ...snapshot(),
        manifests: [{ name: 'evil.yaml', size: 1, sha256: 'x', link: path.join(root, 'secret') }],
        manifestsOdd: [{ path: path.join(manifestsDir, 'pipe'), type: 'fifo', why: 'a fifo, not a manifest' }],
      },
    }),
  ).steps.find((s) => s.name === 'backup-manifests')!;
  t.same(
    linked.actions.map((a) => [
      a.action,
      path.basename(a.target),
      'detail' in a ? ((a.detail as Record<string, unknown>).link ?? (a.detail as Record<string, unknown>).blockedBy) : undefined,
    ]),
    [
      ['backup-file', 'evil.yaml', path.join(root, 'secret')],
      ['remove-file', 'evil.yaml', undefined],
      ['leave-entry', 'pipe', ['a fifo, not a manifest']],
    ],
    'a symlinked manifest: backed up as the link (its target recorded), the link removed; a FIFO: left, with why',
  );
  // Scope violations refuse the whole plan.
  t.throws(
    () =>
      buildPlan(
        input({
          snapshot: {
            ...snapshot(),
            netns: [{ dir: netnsDir, path: path.join(netnsDir, '..', 'secret'), name: 'cni-x', inode: 1, holders: [] }],
          },
        }),
      ),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'a netns path escaping with .. refuses the plan',
  );
  t.throws(
    () =>
      buildPlan(
        input({ snapshot: { ...snapshot(), containerMounts: [{ mountPoint: '/etc/hosts', id: 'x', sandboxId: 'x', kind: 'shm' }] } }),
      ),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'a mount outside containerd dirs refuses the plan',
  );
  symlinkSync('/etc', path.join(root, 'io.containerd.grpc.v1.cri/sandboxes/evil'));
  t.throws(
    () =>
      buildPlan(
        input({
          snapshot: {
            ...snapshot(),
            containerMounts: [
              { mountPoint: path.join(root, 'io.containerd.grpc.v1.cri/sandboxes/evil/shm'), id: 'e', sandboxId: 'e', kind: 'shm' },
            ],
          },
        }),
      ),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
    'a mount reached through a symlink out of scope refuses the plan',
  );
  const vanished = buildPlan(
    input({
      snapshot: {
        ...snapshot(),
        containerMounts: [
          { mountPoint: path.join(root, 'io.containerd.grpc.v1.cri/sandboxes/gone/shm'), id: 'g', sandboxId: 'g', kind: 'shm' },
        ],
      },
    }),
  );
  t.same(
    vanished.steps[3].actions.filter((a) => a.action === 'unmount'),
    [],
    'a mount whose dir vanished is simply not planned',
  );
});
