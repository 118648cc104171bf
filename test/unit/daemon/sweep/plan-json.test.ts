// The plan's JSON is what users see in a dry run (HTTP, `kubesweep --json`, the journal): it must
// not change shape when the code behind it does. test/fixtures/sweep/plans.json was written by
// the plan code of a062098 (before planned actions became a typed union) for these snapshots;
// rewrite it only for a change of the plan that is meant (KS_UPDATE_FIXTURES=1 npx tap FILE).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { defaultSweepConfig } from '../../../../agent/daemon/engine-config';
import { buildPlan, PlanInput } from '../../../../agent/daemon/sweep/plan';
import type { NodeSnapshot } from '../../../../agent/daemon/sweep/snapshot';
import type { SandboxInfo } from '../../../../agent/daemon/sweep/types';
import { shimProc as shim } from '../../../helpers/shim-proc';

const FIXTURE = path.join(__dirname, '../../../fixtures/sweep/plans.json');

const sb = (id: string, kind: SandboxInfo['kind'], hostNetwork: boolean): SandboxInfo => ({
  id,
  name: `pod-${id}`,
  namespace: 'kube-system',
  uid: `uid-${id}`,
  kind,
  hostNetwork,
  state: 'SANDBOX_READY',
  createdAt: '0',
});

t.test('dry-run plans keep their JSON', async (t) => {
  const root = mkdtempSync('/tmp/ks-gen-');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const manifestsDir = path.join(root, 'manifests');
  const netnsDir = path.join(root, 'netns');
  mkdirSync(manifestsDir);
  mkdirSync(netnsDir);
  mkdirSync(path.join(root, 'io.containerd.grpc.v1.cri/sandboxes/n1/shm'), { recursive: true });
  const config = defaultSweepConfig({
    nodeName: 'n',
    manifestsDir,
    netnsDirs: [netnsDir],
    stateDir: path.join(root, 'state'),
    containerdDirs: [root],
    containerdAddress: '/run/c.sock',
  });
  const snapshot = (over: Partial<NodeSnapshot> = {}): NodeSnapshot => ({
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
        holders: [
          { pid: 7, startTime: 1, command: 'sleep 1000', ours: false },
          { pid: 8, startTime: 2, command: '/pause', ours: true, shimId: 'n1' },
        ],
      },
      { dir: netnsDir, path: path.join(netnsDir, 'cni-2'), name: 'cni-2', inode: 6, holders: [] },
    ],
    containerMounts: [
      { mountPoint: path.join(root, 'io.containerd.grpc.v1.cri/sandboxes/n1/shm'), id: 'n1', sandboxId: 'n1', kind: 'shm' },
    ],
    manifests: [
      { name: 'kube-apiserver.yaml', size: 3, sha256: 'ab' },
      { name: 'etcd.yaml', size: 4, sha256: 'cd' },
    ],
    systemd: true,
    podPorts: [6443, 30000],
    shimless: [],
    ...over,
  });
  const ALL = ['stop-kubelet', 'backup-manifests', 'remove-pods', 'kill-shims', 'remove-netns', 'verify'] as const;
  const input = (over: Partial<PlanInput> = {}): PlanInput => ({
    config,
    node: 'n',
    dryRun: true,
    scope: 'all',
    graceSeconds: 10,
    steps: ALL,
    expectFreePorts: [6443, 10250],
    snapshot: snapshot(),
    ...over,
  });
  const cases: Record<string, PlanInput> = {
    full: input(),
    noGrace: input({ graceSeconds: 0 }),
    scoped: input({ scope: ['static', 'daemonset'] }),
    criDown: input({ snapshot: snapshot({ pods: { error: 'CRI down' }, systemd: false }) }),
    criDownScoped: input({ scope: ['static'], snapshot: snapshot({ pods: { error: 'CRI down' } }) }),
    empty: input({
      snapshot: snapshot({
        pods: { sandboxes: [], containers: [] },
        shims: [],
        netns: [],
        containerMounts: [],
        manifests: [],
        podPorts: [],
      }),
    }),
    verifyOnly: input({ steps: ['verify'] }),
    noKubeletUnit: input({ config: { ...config, kubeletUnit: '' }, steps: ['stop-kubelet'] }),
  };
  const plans = Object.fromEntries(Object.entries(cases).map(([k, v]) => [k, buildPlan(v)]));
  const text = JSON.stringify(plans, null, 2).split(root).join('<root>') + '\n';
  if (process.env.KS_UPDATE_FIXTURES === '1') writeFileSync(FIXTURE, text);
  // Text, not deep equality: key order is part of what users (and their scripts' diffs) see.
  t.equal(text, readFileSync(FIXTURE, 'utf8'), 'the same JSON, byte for byte');
});
