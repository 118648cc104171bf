// The rejoin steps' plans on a fake node: which kinds run (defaults, --with, --without), what each
// plans from captured tool output, what a restricted scope leaves alone, and that a dry run
// touches nothing. Real links, rules and mounts: test/integration/host/host-network, kubelet-mounts,
// sweep-rejoin.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import t from 'tap';
import type { CriClient } from '../../../../agent/daemon/cri/client';
import type { Exec } from '../../../../agent/daemon/host/exec';
import { DEFAULT_LINK_PATTERNS } from '../../../../agent/daemon/host/links';
import { defaultSweepConfig } from '../../../../agent/daemon/engine-config';
import { Sweeper } from '../../../../agent/daemon/sweep';

const FIX = path.join(__dirname, '..', '..', '..', 'fixtures', 'host');
const DEAD = '0f3c9a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccd';
const UID_S = 'aaaaaaaa-0000-4000-8000-000000000001';
const UID_D = 'bbbbbbbb-0000-4000-8000-000000000002';
const LIVE = '7e1f00aa11bb22cc33dd44ee55ff66007788990011223344556677889900aa';

/** Answers ip, iptables-save and nft list ruleset from captured output; records every command. */
function fakeTools(calls: string[]): Exec {
  return async (argv) => {
    calls.push(argv.join(' '));
    if (argv[0] === 'ip' && argv.includes('-json'))
      return { stdout: readFileSync(path.join(FIX, 'ip-d-json-addr-netns.json'), 'utf8'), stderr: '', code: 0 };
    if (argv[0] === 'iptables-nft-save')
      return { stdout: readFileSync(path.join(FIX, 'iptables-nft-save-kubespray.txt'), 'utf8'), stderr: '', code: 0 };
    if (argv[0] === 'ip6tables-nft-save')
      return { stdout: readFileSync(path.join(FIX, 'ip6tables-nft-save-kubespray.txt'), 'utf8'), stderr: '', code: 0 };
    if (argv.join(' ') === 'nft list ruleset')
      return { stdout: readFileSync(path.join(FIX, 'nft-list-ruleset-kube-proxy.txt'), 'utf8'), stderr: '', code: 0 };
    if (argv[0].includes('tables')) throw Object.assign(new Error('not installed'), { code: 'ENOENT' });
    return { stdout: '', stderr: 'unexpected', code: 1 };
  };
}

function fakeNode(t: { teardown: (fn: () => void) => void }, sandboxes: { id: string; uid: string; kind: 'static' | 'daemonset' }[] = []) {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-rejoin-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const procRoot = path.join(root, 'proc');
  mkdirSync(path.join(procRoot, 'self'), { recursive: true });
  const K = path.join(root, 'kubelet');
  // Mounts as mountinfo shows them: two volumes of the static pod, one of the DaemonSet pod.
  const uidS = UID_S;
  const uidD = UID_D;
  for (const d of [
    `pods/${uidS}/volumes/kubernetes.io~empty-dir/cache`,
    `pods/${uidS}/volumes/kubernetes.io~secret/tok`,
    `pods/${uidD}/volumes/kubernetes.io~empty-dir/x`,
  ])
    mkdirSync(path.join(K, d), { recursive: true });
  writeFileSync(
    path.join(procRoot, 'self', 'mountinfo'),
    [
      '22 27 0:21 / /proc rw,relatime - proc proc rw',
      `43 27 0:39 / ${K}/pods/${uidS}/volumes/kubernetes.io~empty-dir/cache rw,relatime - tmpfs tmpfs rw`,
      `44 27 0:40 / ${K}/pods/${uidS}/volumes/kubernetes.io~secret/tok rw,relatime - tmpfs tmpfs rw`,
      `45 27 0:41 / ${K}/pods/${uidD}/volumes/kubernetes.io~empty-dir/x rw,relatime - tmpfs tmpfs rw`,
      '',
    ].join('\n'),
  );
  for (const d of ['manifests', 'netns', 'state', 'containerd', 'net.d']) mkdirSync(path.join(root, d));
  cpSync(path.join(FIX, 'ipam-dualstack'), path.join(root, 'ipam'), { recursive: true });
  for (const n of ['10-calico.conflist', '87-podman-bridge.conflist']) writeFileSync(path.join(root, 'net.d', n), '{}');
  const config = defaultSweepConfig({
    procRoot,
    manifestsDir: path.join(root, 'manifests'),
    netnsDirs: [path.join(root, 'netns')],
    stateDir: path.join(root, 'state'),
    containerdDirs: [path.join(root, 'containerd')],
    kubeletDir: K,
    cniIpamDirs: [path.join(root, 'ipam')],
    cniConfDir: path.join(root, 'net.d'),
    linkPatterns: DEFAULT_LINK_PATTERNS,
    expectFreePorts: [6443],
    graceSeconds: 0,
    kubeletUnit: '',
  });
  const items = sandboxes.map((s) => ({
    id: s.id,
    state: 'SANDBOX_READY',
    createdAt: '0',
    metadata: { name: s.kind, namespace: 'kube-system', uid: s.uid, attempt: 0 },
    labels: s.kind === 'daemonset' ? { 'controller-revision-hash': 'x', 'pod-template-generation': '1' } : {},
    annotations: s.kind === 'static' ? { 'kubernetes.io/config.source': 'file' } : {},
  }));
  const cri = {
    listPodSandbox: async () => items,
    listContainers: async () => [],
    podSandboxStatus: async () => ({ status: { linux: { namespaces: { options: { network: 'POD' } } } } }),
  } as unknown as CriClient;
  const calls: string[] = [];
  const sweeper = new Sweeper(config, {
    cri,
    log: pino({ level: 'silent' }),
    checkPorts: async (ports) => ({ allFree: true, ports: ports.map((port) => ({ port, held: false, listeners: [] })) }),
    hostTools: { netExec: fakeTools(calls) },
  });
  return { root, config, sweeper, calls, uidS, uidD, K };
}

const names = (plan: { steps: { name: string }[] }) => plan.steps.map((s) => s.name);

t.test('kinds: links, ipam, kubelet-mounts by default; --with / --without change the plan', async (t) => {
  const { sweeper } = fakeNode(t);
  t.same(names(await sweeper.plan({ dryRun: true, scope: 'all', requestedBy: 't' })), [
    'stop-kubelet',
    'backup-manifests',
    'remove-pods',
    'kill-shims',
    'remove-netns',
    'kubelet-mounts',
    'pod-cgroups',
    'ipam',
    'cni-cache',
    'links',
    'verify',
  ]);
  t.same(
    names(
      await sweeper.plan({
        dryRun: true,
        scope: 'all',
        requestedBy: 't',
        withKinds: ['firewall,cni-config', 'kubelet-unit'],
        withoutKinds: ['links'],
      }),
    ),
    [
      'stop-kubelet',
      'kubelet-unit',
      'backup-manifests',
      'remove-pods',
      'kill-shims',
      'remove-netns',
      'kubelet-mounts',
      'pod-cgroups',
      'ipam',
      'cni-cache',
      'cni-config',
      'firewall',
      'verify',
    ],
  );
  await t.rejects(sweeper.plan({ dryRun: true, scope: 'all', requestedBy: 't', withKinds: ['iptables'] }), {
    code: 'KS_INVALID_ARGUMENT',
    message: /unknown kind "iptables"/,
  });
  await t.rejects(sweeper.plan({ dryRun: true, scope: 'all', requestedBy: 't', withKinds: ['links'], withoutKinds: ['links'] }), {
    code: 'KS_INVALID_ARGUMENT',
  });
});

t.test('the plans: each kind lists exactly what it will touch; decoys are absent; verify checks each kind', async (t) => {
  const { sweeper, uidS, uidD, K, root } = fakeNode(t);
  const plan = await sweeper.plan({ dryRun: true, scope: 'all', requestedBy: 't', withKinds: ['firewall', 'cni-config'] });
  const step = (n: string) => plan.steps.find((s) => s.name === n)!;
  t.same(
    step('links')
      .actions.map((a) => a.target)
      .sort(),
    ['cilium_host', 'cilium_net', 'cni0', 'flannel.1', 'kube-ipvs0', 'nodelocaldns', 'vxlan.calico'],
  );
  const cni0 = step('links').actions.find((a) => a.target === 'cni0') as unknown as {
    detail: { kind: string; pattern: string; addresses: string[]; up: boolean };
  };
  t.same(
    { ...cni0.detail, addresses: cni0.detail.addresses.filter((a) => !a.startsWith('fe80:')) },
    { kind: 'bridge', pattern: 'cni0', addresses: ['10.244.1.1/24', 'fd00:244::1/64'], up: true },
    'cni0 with its addresses',
  );
  t.same(
    step('ipam').actions.map((a) => path.basename(a.target)),
    ['10.244.1.2', '10.244.1.3', 'fd00:10:244:1::2', 'fd00:10:244:1::3'],
    'scope all, no pods: every reservation',
  );
  const km = step('kubelet-mounts').actions.map((a) => `${a.action} ${path.relative(K, a.target)}`);
  t.same(
    km.slice(0, 3).sort(),
    [
      `unmount-volume pods/${uidD}/volumes/kubernetes.io~empty-dir/x`,
      `unmount-volume pods/${uidS}/volumes/kubernetes.io~empty-dir/cache`,
      `unmount-volume pods/${uidS}/volumes/kubernetes.io~secret/tok`,
    ].sort(),
  );
  t.same(km.slice(3), [`remove-dir pods/${uidS}`, `remove-dir pods/${uidD}`], 'pod dirs after every unmount');
  t.same(
    step('cni-config').actions.map((a) => `${a.action} ${path.basename(a.target)}`),
    ['backup-file 10-calico.conflist', 'remove-file 10-calico.conflist'],
    "podman's config is not planned",
  );
  const fw = step('firewall').actions;
  t.equal(fw[0].action, 'backup-rules', 'the full rule sets are backed up first');
  t.same(
    fw
      .slice(1)
      .map((a) => a.target)
      .sort(),
    [
      'ip6tables-nft/filter',
      'ip6tables-nft/nat',
      'iptables-nft/filter',
      'iptables-nft/mangle',
      'iptables-nft/nat',
      'iptables-nft/raw',
      'nft/ip calico',
      'nft/ip kube-proxy',
      'nft/ip6 kube-proxy',
    ],
    "the prefixed chains and the known nftables tables; the operator's tables are not planned",
  );
  t.same(
    step('verify').actions.map((a) => a.target),
    [
      'ports',
      'pods',
      'shims',
      'netns',
      'manifests',
      'links',
      'ipam',
      'cni-cache',
      'kubelet-mounts',
      'pod-cgroups',
      'cni-config',
      'firewall',
    ],
  );
  const paths = plan.steps.flatMap((s) => s.actions.map((a) => a.target)).filter((x) => x.startsWith('/'));
  t.ok(paths.length >= 10, `paths are planned (${paths.length})`);
  t.same(
    paths.filter((x) => !x.startsWith(root + '/')),
    [],
    'every path planned lies inside the fake node',
  );
});

t.test("a restricted scope keeps live pods' reservations and mounts, and leaves shared links, config and chains", async (t) => {
  const uidS = UID_S;
  const { sweeper } = fakeNode(t, [
    { id: DEAD, uid: UID_S, kind: 'static' },
    { id: LIVE, uid: UID_D, kind: 'daemonset' },
  ]);
  const plan = await sweeper.plan({ dryRun: true, scope: ['static'], requestedBy: 't', withKinds: ['firewall', 'cni-config'] });
  const step = (n: string) => plan.steps.find((s) => s.name === n)!;
  t.same(
    step('ipam').actions.map((a) => path.basename(a.target)),
    ['10.244.1.2', 'fd00:10:244:1::2'],
    "only the static pod's addresses: the DaemonSet pod stays",
  );
  t.match(step('ipam').note, /2 reservation\(s\) of live sandboxes kept/);
  t.ok(
    step('kubelet-mounts').actions.every((a) => a.target.includes(uidS)),
    "only the static pod's mounts and dir",
  );
  t.equal(step('kubelet-mounts').actions.length, 3);
  for (const n of ['links', 'cni-config', 'firewall']) {
    t.same(step(n).actions, [], `${n}: nothing with a restricted scope`);
    t.match(step(n).note, /scope is restricted/);
  }
  t.notOk(
    step('verify').actions.some((a) => ['links', 'ipam', 'firewall'].includes(a.target)),
    'verify does not check shared state it left on purpose',
  );
  const all = await sweeper.plan({ dryRun: true, scope: 'all', requestedBy: 't' });
  t.equal(all.steps.find((s) => s.name === 'ipam')!.actions.length, 4, 'scope all: the pods go, so do all their addresses');
});

t.test('a dry run of every kind changes nothing and runs no changing command', async (t) => {
  const { sweeper, calls, root } = fakeNode(t);
  const tree = () => JSON.stringify(require('node:fs').readdirSync(root, { recursive: true }).sort());
  const before = tree();
  const dry = await sweeper.reset({ dryRun: true, scope: 'all', requestedBy: 't', withKinds: ['firewall', 'cni-config', 'kubelet-unit'] });
  t.ok(dry.steps.every((s) => s.items.every((i) => i.outcome === 'planned')));
  t.equal(tree(), before, 'no file changed');
  t.same(
    [...new Set(calls)].sort(),
    [
      'ip -d -json addr show',
      'ip6tables-legacy-save',
      'ip6tables-nft-save',
      'iptables-legacy-save',
      'iptables-nft-save',
      'nft list ruleset',
    ],
    'only reads',
  );
});
