import t from 'tap';
import {
  describeListener,
  formatFailure,
  formatInfo,
  formatInventory,
  formatPortCheck,
  formatPortReport,
  formatResetReport,
  formatSummary,
} from '../../../agent/client/format';
import { colorWanted, makeStyle } from '../../../agent/client/style';
import type { NodeOutcome } from '../../../agent/client/types';
import { throughWire } from '../../helpers/wire';
import {
  cleanReport,
  dirtyReport,
  dryRunReport,
  heldListener,
  portCheck,
  received,
  receivedCheck,
  receivedListener,
  SANDBOX_ID,
} from '../../fixtures/client/samples';

const plain = makeStyle(false);
const ESC = '\x1b[';

t.test('a residue reset names who holds which port', async (t) => {
  const text = formatResetReport(received(dirtyReport()), plain);
  t.match(text, /node1 is NOT clean: 1 thing left/);
  t.match(text, /port 6443: port 6443 is still listening/);
  t.match(
    text,
    /tcp 127\.0\.0\.1:6443 held by pid 4242 \(\/bin\/busybox httpd -f -p 127\.0\.0\.1:6443 -h \/www\), container nginx-proxy, pod kube-system\/nginx-proxy-node1 \[static, host network\] — left over: its containerd is gone/,
  );
  t.match(text, /remove-pods: kill-process 4242: not ours/, 'failed items are listed');
  t.match(text, /│ remove-pods │ partial/, 'step table');
  t.notOk(text.includes(ESC), 'no colour codes when colour is off');
});

t.test('a clean reset says so, with the backup to restore from', async (t) => {
  const text = formatResetReport(received(cleanReport()), plain);
  t.match(text, /✓ node1 verified clean — ports free: 6443, 10250/);
  t.match(text, /restore-manifests --backup b-20260101-000000 --confirm node1/);
  const colored = formatResetReport(received(cleanReport()), makeStyle(true));
  t.ok(colored.includes(ESC), 'colour codes when colour is on');
});

t.test('a dry run prints the plan', async (t) => {
  const text = formatResetReport(received(dryRunReport()), plain);
  t.match(text, /dry run: nothing changed/);
  t.match(text, new RegExp(`remove-pods +│ required +│ remove-sandbox +│ ${SANDBOX_ID.slice(0, 13)} `));
  t.match(text, /remove-netns +│ best-effort +│ \(nothing to do\)/);
  t.match(text, /1 planned action; scope all pods; grace 5 s/);
});

t.test('a dry run says what the run will do with each odd entry', async (t) => {
  const r = dryRunReport();
  r.plan.steps = [
    {
      name: 'backup-manifests',
      required: true,
      actions: [
        {
          step: 'backup-manifests',
          action: 'backup-file',
          target: '/m/a.yaml',
          detail: { name: 'a.yaml', size: 4, sha256: 'x', link: '/srv/a.yaml' },
        },
        {
          step: 'backup-manifests',
          action: 'leave-entry',
          target: '/m/pipe',
          detail: { type: 'fifo', blockedBy: ['a fifo, not a manifest'] },
        },
      ],
    },
    {
      name: 'remove-netns',
      required: false,
      actions: [{ step: 'remove-netns', action: 'remove-netns', target: '/n/cni-x', detail: { inode: 0, holders: [], symlink: '/x' } }],
    },
  ];
  const text = formatResetReport(received(r), makeStyle(false));
  t.match(text, /backup-file .*a symlink to \/srv\/a\.yaml: backed up as the link/);
  t.match(text, /leave-entry .*left: a fifo, not a manifest/);
  t.match(text, /remove-netns .*a symlink to \/x: the link removed, never followed/);
});

t.test('ports table and check-ports', async (t) => {
  const ports = formatPortReport(
    throughWire('ListPortsResponse', {
      listeners: [heldListener(10250), heldListener(6443)].map(receivedListener),
      netnsScanned: [{ inode: 1, host: true }],
    }),
    plain,
  );
  t.ok(ports.indexOf('6443') < ports.indexOf('10250'), 'sorted by port');
  t.match(ports, /│ tcp +│ 127\.0\.0\.1 +│ 6443 +│ host +│ 4242 +│/);
  t.match(ports, /kube-system\/nginx-proxy-node1/);
  t.match(ports, /2 listeners in 1 network namespace/);
  const held = formatPortCheck(receivedCheck(portCheck([6443], [10250])), plain);
  t.match(
    held,
    /6443 +│ HELD +│ tcp 127\.0\.0\.1:6443 +│\n.*│ +│ +│ {3}pid 4242 \(\/bin\/busybox httpd -f -p 127\.0\.0\.1:6443 -h \/www\) +│\n.*│ {3}container nginx-proxy +│\n.*│ {3}pod kube-system\/nginx-proxy-node1 \[static, host network\] +│\n.*│ {3}left over: its containerd is gone +│/,
    'holder facts one per line',
  );
  t.match(held, /10250 +│ free/);
  t.match(held, /✗ 1 of 2 ports held: 6443/);
  t.match(formatPortCheck(receivedCheck(portCheck([], [1, 2])), plain), /✓ all 2 ports free/);
  t.match(
    describeListener(receivedListener({ ...heldListener(53), protocol: 'udp', family: 6, address: '::', owners: [] })),
    /^udp6 \[::\]:53 held by no process found/,
  );
  t.match(describeListener(receivedListener({ ...heldListener(80), netns: { inode: 9, name: 'cni-1', host: false } })), /in netns cni-1/);
});

t.test('inventory sections', async (t) => {
  const text = formatInventory(
    throughWire('InspectResponse', {
      sandboxes: [
        {
          id: SANDBOX_ID,
          name: 'calico-node-x',
          namespace: 'kube-system',
          uid: 'u',
          kind: 'daemonset',
          hostNetwork: true,
          state: 'SANDBOX_READY',
          createdAt: '',
        },
      ],
      containers: [],
      shims: [
        {
          pid: 77,
          id: SANDBOX_ID,
          namespace: 'k8s.io',
          address: '/c.sock',
          binary: 'containerd-shim-runc-v2',
          children: [{ pid: 78, command: '/pause', ours: true }],
        },
      ],
      netns: [],
      manifests: [{ name: 'kube-apiserver.yaml', size: 2048, sha256: 'ab'.repeat(32) }],
      backups: [],
      criError: 'no CRI socket',
    }),
    plain,
  );
  t.match(text, /CRI not reachable: no CRI socket/);
  t.match(text, /sandboxes \(1\)/);
  t.match(text, /kube-system\/calico-node-x +│ daemonset +│ host/);
  t.match(text, /containers \(0\)/);
  t.match(text, /│ 77 +│ 3f2a9c41d0be5/);
  t.match(text, /78 \/pause/);
  t.match(text, /kube-apiserver\.yaml +│ 2\.0 KiB/);
  t.match(text, /links \(0\)/);
  t.match(text, /kubelet unit: no systemd or no unit configured/);
});

t.test('inventory: the rejoin kinds', async (t) => {
  const text = formatInventory(
    throughWire('InspectResponse', {
      sandboxes: [],
      containers: [],
      shims: [],
      netns: [],
      manifests: [],
      backups: [],
      links: [
        { name: 'cni0', kind: 'bridge', up: true, addresses: ['10.244.1.1/24'], pattern: 'cni0', inert: false },
        { name: 'tunl0', kind: 'ipip', up: false, addresses: [], pattern: 'tunl0', inert: true },
      ],
      ipReservations: [
        { path: '/var/lib/cni/networks/cbr0/10.244.1.7', network: 'cbr0', ip: '10.244.1.7', containerId: SANDBOX_ID, live: false },
      ],
      kubeletMounts: [
        { mountPoint: '/var/lib/kubelet/pods/u1/volumes/kubernetes.io~empty-dir/x', fsType: 'tmpfs', source: 'tmpfs', podUid: 'u1' },
      ],
      kubeletPodDirs: ['/var/lib/kubelet/pods/u1'],
      cniConfigFiles: [{ path: '/etc/cni/net.d/10-calico.conflist', size: 700, pattern: '*calico*' }],
      firewall: [{ backend: 'iptables-nft', table: 'nat', chains: ['KUBE-SERVICES', 'KUBE-POSTROUTING'], jumps: 3 }],
      kubeletUnitState: 'enabled',
      etcdData: [{ dir: '/var/lib/etcd', present: true, memberEntries: 2, backups: [], inUse: ['port 2379 held by pid 812 (etcd)'] }],
      kubeletStateFiles: [
        { path: '/etc/kubernetes/kubelet.conf', size: 1900, symlink: false, odd: '' },
        { path: '/var/lib/kubelet/pki/fifo', size: 0, symlink: false, odd: 'a FIFO, not a kubelet file: left in place' },
      ],
      residueErrors: ['links: ip -d -json addr show failed'],
    }),
    plain,
  );
  t.match(text, /links \(2\)/);
  t.match(text, /cni0 +│ bridge +│ up +│ 10\.244\.1\.1\/24 +│ cni0/);
  t.match(text, /tunl0 +│ ipip +│ down, inert \(kept\)/);
  t.match(text, /10\.244\.1\.7 +│ cbr0 +│ 3f2a9c41d0be5\S* +│ no \(stale\)/);
  t.match(text, /kubelet mounts \(1\)/);
  t.match(text, /kubelet pod dirs \(1\)\n {2}\/var\/lib\/kubelet\/pods\/u1/);
  t.match(text, /10-calico\.conflist +│ 700 B +│ \*calico\*/);
  t.match(text, /iptables-nft +│ nat +│ 2: KUBE-SERVICES KUBE-POSTROUTING +│ 3/);
  t.match(text, /kubelet unit: enabled \(starts at boot/);
  t.match(text, /etcd data dir: \/var\/lib\/etcd: member data \(2 entries\); etcd runs: port 2379 held by pid 812/);
  t.match(text, /kubelet state \(2\)/);
  t.match(text, /kubelet\.conf +│ 1\.9 KiB +│ file/);
  t.match(text, /pki\/fifo +│ 0 B +│ left: a FIFO/);
  t.match(text, /⚠ links: ip -d -json addr show failed|! links: ip -d -json addr show failed/);
});

t.test('fan-out summary and failures', async (t) => {
  const outcomes: NodeOutcome[] = [
    { node: 'node1', endpoint: 'unix:///a', exitCode: 0, result: { command: 'reset', value: received(cleanReport()) }, durationMs: 1200 },
    {
      node: 'node2',
      endpoint: 'unix:///b',
      exitCode: 1,
      result: { command: 'reset', value: received(dirtyReport('node2')) },
      durationMs: 900,
    },
    {
      node: 'node3',
      endpoint: 'unix:///c',
      exitCode: 2,
      error: { kind: 'unreachable', code: 'KS_AGENT_UNREACHABLE', message: 'no agent socket at /c' },
      durationMs: 3,
    },
  ];
  const text = formatSummary(outcomes, plain);
  t.match(text, /node1 +│ unix:\/\/\/a +│ clean +│ 0/);
  t.match(text, /node2 +│ unix:\/\/\/b +│ NOT clean: 1 left \(ports 6443\) +│ 1/);
  t.match(text, /node3 +│ unix:\/\/\/c +│ unreachable: no agent socket at \/c +│ 2/);
  t.equal(
    formatFailure('unix:///c', outcomes[2].error!),
    'kubesweep: unix:///c: unreachable (KS_AGENT_UNREACHABLE): no agent socket at /c',
  );
});

t.test('colour: only on a TTY, NO_COLOR and FORCE_COLOR honoured, flags win', async (t) => {
  t.equal(colorWanted('auto', true, {}), true);
  t.equal(colorWanted('auto', false, {}), false);
  t.equal(colorWanted('auto', true, { NO_COLOR: '1' }), false);
  t.equal(colorWanted('auto', true, { TERM: 'dumb' }), false);
  t.equal(colorWanted('auto', false, { FORCE_COLOR: '1' }), true);
  t.equal(colorWanted(false, true, {}), false);
  t.equal(colorWanted(true, false, {}), true);
});

t.test('info: every dir with where it came from, and the dir warnings', async (t) => {
  const info = throughWire('InfoResponse', {
    agentVersion: '0.1.0',
    nodeName: 'node1',
    criEndpoint: 'unix:///run/k3s/containerd/containerd.sock',
    criEndpointSource: 'detected',
    runtimeSource: 'learned',
    runtimeVersion: 'containerd v1.7.24',
    runtimeLearnedAt: '2026-12-06T21:00:00.000Z',
    dirs: [
      {
        option: 'containerdDirs',
        paths: ['/var/lib/rancher/k3s/agent/containerd', '/run/k3s/containerd'],
        source: 'learned',
        detail: 'learned from containerd v1.7.24 at 2026-12-06T21:00:00.000Z',
      },
      {
        option: 'netnsDirs',
        paths: ['/var/run/netns'],
        source: 'flag',
        detail: '--netns-dir',
        runtimePaths: ['/run/k3s/netns'],
        warning: 'netnsDirs is /var/run/netns (--netns-dir) but containerd says otherwise',
      },
    ],
    dirWarnings: ['netnsDirs is /var/run/netns (--netns-dir) but containerd says otherwise'],
  });
  const text = formatInfo(info, plain);
  t.match(text, 'cri endpoint: unix:///run/k3s/containerd/containerd.sock (detected)');
  t.match(text, 'containerd known from: learned, containerd v1.7.24 at 2026-12-06T21:00:00.000Z');
  t.match(
    text,
    /containerdDirs\s+\/var\/lib\/rancher\/k3s\/agent\/containerd, \/run\/k3s\/containerd\s+\[learned: learned from containerd v1\.7\.24 at 2026-12-06T21:00:00\.000Z\]/,
  );
  t.match(text, /! netnsDirs\s+\/var\/run\/netns\s+\[flag: --netns-dir\]/, 'a dir with a warning is marked');
  t.match(text, /! netnsDirs is \/var\/run\/netns \(--netns-dir\) but containerd says otherwise/, 'the warning is printed');
});
