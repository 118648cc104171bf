// One round trip per RPC, end to end: the engine's document → the agent's converter → a real
// grpc-js server on a temp unix socket → the real client (AgentClient) → the JSON document the
// CLI prints (`kubesweep --json`). For ListPorts and CheckPorts that document must equal what
// HTTP /ports and /ports/check answer for the same engine state; for the others it must equal
// the engine's document, up to the conversions documented in shared/api-doc.ts and
// server/convert.ts (whole milliseconds; lists always present). The documents here fill every
// optional field, so a field dropped anywhere on the way fails the comparison.
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { AgentClient } from '../../../../agent/client/agent-client';
import { documentOf } from '../../../../agent/client/run';
import { resolveConfig, type AgentConfig } from '../../../../agent/daemon/config';
import type { Listener, PortCheck, PortReport } from '../../../../agent/daemon/ports/types';
import { startGrpcServers } from '../../../../agent/daemon/server/grpc-server';
import { DestructiveLock } from '../../../../agent/daemon/destructive-lock';
import { buildHttpServer } from '../../../../agent/daemon/server/http';
import { createMetrics } from '../../../../agent/daemon/server/metrics';
import { createHandlers } from '../../../../agent/daemon/server/service';
import { isBackupId } from '../../../../agent/daemon/sweep/backup';
import type { Inventory, ResetReport } from '../../../../agent/daemon/sweep/types';
import { agentVersion } from '../../../../agent/shared/version';
import { makeFakeEngine } from '../../../helpers/fake-engine';
import { captureLogger } from '../../../helpers/log-capture';

const SANDBOX = 'b'.repeat(64);
const CONTAINER = 'c'.repeat(64);

/** A listener whose owners and netns fill every field the engine can set. */
function richListener(port: number): Listener {
  return {
    protocol: 'tcp',
    family: 4,
    address: '127.0.0.1',
    port,
    inode: 5_000_000_000 + port, // past 2^32: a real uint64
    netns: { inode: 4026532999, name: 'cni-5a1f', host: false, memberPid: 4242 },
    owners: [
      {
        pid: 4242,
        command: '/bin/busybox httpd -f -p 127.0.0.1:6443',
        containerId: CONTAINER,
        containerName: 'nginx-proxy',
        podUid: 'uid-1',
        residue: true,
        residueReason: 'its sandbox is gone from the CRI',
        podName: 'nginx-proxy-node1',
        podNamespace: 'kube-system',
        sandboxId: SANDBOX,
        shimPid: 4100,
        shimAddress: '/run/containerd/containerd.sock',
      },
      {
        pid: 4243,
        command: 'kube-proxy',
        containerId: 'd'.repeat(64),
        containerName: 'kube-proxy',
        pod: {
          name: 'kube-proxy-x',
          namespace: 'kube-system',
          uid: 'uid-2',
          kind: 'daemonset',
          hostNetwork: true,
          sandboxId: 'e'.repeat(64),
        },
        podUid: 'uid-2',
        residue: false,
        shimPid: 4101,
        shimAddress: '/run/containerd/containerd.sock',
      },
    ],
  };
}

const PORT_REPORT: PortReport = {
  listeners: [richListener(6443), { ...richListener(10250), owners: [] }],
  malformedLines: 2,
  netnsScanned: [
    { inode: 4026531840, name: 'host', host: true, memberPid: 1 },
    { inode: 4026532999, name: 'cni-5a1f', host: false, memberPid: 4242 },
    { inode: 4026533001, name: 'cni-dead', host: false, unread: 'no process is in this netns: its sockets cannot be read through /proc' },
  ],
  generatedAt: '2026-12-01T09:00:00.000Z',
  criError: 'CRI unreachable: connect ENOENT /run/containerd/containerd.sock',
};

function report(dryRun: boolean): ResetReport {
  return {
    runId: '20261201T090000Z-abcdef',
    node: 'node-1',
    requestedBy: 'unix-socket',
    dryRun,
    plan: {
      node: 'node-1',
      createdAt: '2026-12-01T09:00:00.000Z',
      dryRun,
      scope: ['static', 'daemonset'],
      graceSeconds: 7,
      steps: [
        { name: 'stop-kubelet', required: true, actions: [], note: 'no kubelet unit configured' },
        {
          name: 'remove-pods',
          required: true,
          actions: [
            {
              step: 'remove-pods',
              action: 'remove-sandbox',
              target: SANDBOX,
              detail: {
                sandboxId: SANDBOX,
                pod: 'kube-system/nginx-proxy-node1',
                kind: 'static',
                hostNetwork: true,
                containers: [CONTAINER],
              },
            },
          ],
        },
        {
          name: 'remove-netns',
          required: false,
          actions: [
            { step: 'remove-netns', action: 'remove-netns', target: '/run/netns/cni-5a1f', detail: { inode: 4026532999, holders: [] } },
          ],
          note: 'the CRI is unreachable: only netns files no pod holds',
        },
      ],
    },
    steps: dryRun
      ? []
      : [
          {
            name: 'remove-pods',
            status: 'partial',
            reason: '1 of 2 sandboxes could not be stopped',
            found: 2,
            done: 1,
            skipped: 0,
            failed: 1,
            items: [
              { action: 'stop-container', target: SANDBOX, outcome: 'done', durationMs: 280 },
              { action: 'stop-container', target: 'f'.repeat(64), outcome: 'failed', message: 'DeadlineExceeded', durationMs: 30000 },
            ],
            durationMs: 30300,
          },
        ],
    verification: dryRun
      ? undefined
      : {
          verdict: 'residue',
          residue: [
            { kind: 'port', target: '6443', why: 'held by pid 4242', listeners: [richListener(6443)] },
            { kind: 'sandbox', target: 'f'.repeat(64), why: 'static pod kube-system/x still known to the CRI (SANDBOX_READY)' },
          ],
          checkedPorts: [6443, 10250],
        },
    backupId: dryRun ? undefined : '20261201T090000Z-abcdef',
    startedAt: '2026-12-01T09:00:00.000Z',
    finishedAt: '2026-12-01T09:00:31.000Z',
    durationMs: 31000,
    aborted: dryRun ? undefined : 'remove-pods failed',
  };
}

const INVENTORY: Inventory = {
  sandboxes: [
    {
      id: SANDBOX,
      name: 'nginx-proxy-node1',
      namespace: 'kube-system',
      uid: 'uid-1',
      kind: 'static',
      hostNetwork: true,
      state: 'SANDBOX_NOTREADY',
      createdAt: '2026-12-01T08:00:00Z',
    },
  ],
  containers: [
    {
      id: CONTAINER,
      name: 'nginx-proxy',
      sandboxId: SANDBOX,
      state: 'CONTAINER_EXITED',
      podName: 'nginx-proxy-node1',
      podNamespace: 'kube-system',
      orphan: true,
    },
  ],
  shims: [
    {
      pid: 4100,
      id: SANDBOX,
      namespace: 'k8s.io',
      address: '/run/containerd/containerd.sock',
      binary: 'containerd-shim-runc-v2',
      children: [{ pid: 4242, command: '/pause', ours: true }],
    },
  ],
  netns: [{ path: '/run/netns/cni-5a1f', name: 'cni-5a1f', inode: 4026532999, holders: [{ pid: 4242, command: '/pause', ours: false }] }],
  manifests: [{ name: 'kube-apiserver.yaml', size: 6_000_000_000, sha256: 'ab'.repeat(32) }],
  backups: [{ id: '20261201T090000Z-abcdef', createdAt: '2026-12-01T09:00:00Z', files: 4, bytes: 8192 }],
  criError: 'CRI unreachable',
  links: [
    { name: 'tunl0', kind: 'ipip', up: false, addresses: [], pattern: 'tunl0', inert: true },
    { name: 'cni0', kind: 'bridge', up: true, addresses: ['10.244.1.1/24', 'fd00::1/64'], pattern: 'cni0', inert: false },
  ],
  ipReservations: [
    {
      path: '/var/lib/cni/networks/cbr0/fd00:10:244:1::2',
      network: 'cbr0',
      ip: 'fd00:10:244:1::2',
      containerId: 'c'.repeat(64),
      live: true,
    },
  ],
  cniCacheFiles: [
    {
      path: `/var/lib/cni/results/k8s-pod-network-${'d'.repeat(64)}-eth0`,
      network: 'k8s-pod-network',
      containerId: 'd'.repeat(64),
      ifname: 'eth0',
      netns: '/var/run/netns/cni-5a1f',
      live: false,
    },
  ],
  kubeletMounts: [
    { mountPoint: '/var/lib/kubelet/pods/u1/volumes/kubernetes.io~secret/a token', fsType: 'tmpfs', source: 'tmpfs', podUid: 'u1' },
  ],
  kubeletPodDirs: ['/var/lib/kubelet/pods/u1'],
  cniConfigFiles: [{ path: '/etc/cni/net.d/10-calico.conflist', size: 6_000_000_000, pattern: '*calico*' }],
  firewall: [{ backend: 'ip6tables-legacy', table: 'nat', chains: ['KUBE-SERVICES', 'cali-nat-outgoing'], jumps: 3 }],
  kubeletUnitState: 'enabled',
  etcdData: [
    { dir: '/var/lib/etcd', present: true, memberEntries: 2, backups: [], inUse: ['port 2379 held by pid 812 (etcd --name node1)'] },
  ],
  kubeletStateFiles: [
    { path: '/var/lib/kubelet/pki/kubelet-client-2026.pem', size: 6_000_000_000, symlink: false, odd: '' },
    { path: '/var/lib/kubelet/pki/fifo', size: 0, symlink: false, odd: 'a FIFO, not a kubelet file: left in place' },
  ],
  podCgroups: [
    {
      cgroup: '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_4968_8776_5a4b3c2d1e0f.slice',
      podUid: '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f',
      containerId: '',
      unit: 'kubepods-besteffort-pod0f1e2d3c_4b5a_4968_8776_5a4b3c2d1e0f.slice',
      hierarchies: 1,
      processes: 0,
      live: false,
    },
  ],
  residueErrors: ['firewall: iptables-nft-save failed: Permission denied'],
};

/** What JSON makes of a document (undefined fields vanish). */
const json = (doc: unknown): unknown => JSON.parse(JSON.stringify(doc));

/** The engine's report with the documented conversions: a residue's listeners are always a list. */
function documented(r: ResetReport): unknown {
  const doc = json(r) as { verification?: { residue: { listeners?: unknown[] }[] } };
  for (const x of doc.verification?.residue ?? []) x.listeners ??= [];
  return doc;
}

async function serve(t: Test) {
  const dir = mkdtempSync('/tmp/ksrt-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, 'run', 'agent.sock');
  const { config, problems } = resolveConfig({
    nodeName: 'node-1',
    listen: [`unix://${sock}`],
    stateDir: path.join(dir, 'state'),
    manifestsDir: path.join(dir, 'manifests'),
    expectFreePorts: [6443, 10250],
  });
  t.same(problems, [], 'config valid');
  const engine = makeFakeEngine();
  engine.listPorts = async () => structuredClone(PORT_REPORT);
  engine.checkPorts = async (ports): Promise<PortCheck> => {
    const res = ports.map((port) => {
      const listeners = PORT_REPORT.listeners.filter((l) => l.port === port);
      return { port, held: listeners.length > 0, listeners: structuredClone(listeners) };
    });
    return { allFree: res.every((r) => !r.held), ports: res };
  };
  engine.sweeper.reset = async (opts, onEvent) => {
    onEvent?.({ type: 'step-started', step: 'remove-pods', planned: 2 });
    onEvent?.({ type: 'item-done', step: 'remove-pods', action: 'stop-container', target: SANDBOX, outcome: 'done', message: 'stopped' });
    onEvent?.({ type: 'item-failed', step: 'remove-pods', action: 'stop-container', target: 'f'.repeat(64), message: 'DeadlineExceeded' });
    onEvent?.({ type: 'step-finished', step: 'remove-pods', status: 'partial', durationMs: 30300 });
    return report(opts.dryRun);
  };
  engine.sweeper.inspect = async () => structuredClone(INVENTORY);
  const { log } = captureLogger();
  const handlers = createHandlers({ config: config as AgentConfig, engine, isBackupId, log, shutdownSignal: new AbortController().signal });
  const servers = await startGrpcServers({
    config: config as AgentConfig,
    handlers,
    lock: new DestructiveLock(),
    log,
    isShuttingDown: () => false,
  });
  const metrics = createMetrics({ engine, expectFreePorts: [6443, 10250], nodeName: 'node-1', version: '0.1.0' });
  // With the operator's owners switch on, HTTP serves the whole documents (by default it serves
  // only what `ss -ltn` shows: see http.test.ts).
  const http = buildHttpServer({ engine, metrics, expectFreePorts: [6443, 10250], log, isShuttingDown: () => false, showOwners: true });
  const client = new AgentClient({ endpoint: `unix://${sock}` });
  t.teardown(async () => {
    client.close();
    await http.close();
    await servers.shutdown(2000);
  });
  return { client, http, config: config as AgentConfig };
}

t.test('ListPorts and CheckPorts: the client decodes exactly what HTTP /ports shows', async (t) => {
  const { client, http } = await serve(t);

  const viaGrpc = documentOf({ command: 'ports', value: await client.listPorts(true) });
  const viaHttp = (await http.inject('/ports?all_netns=1')).json();
  t.same(viaGrpc, viaHttp, 'kubesweep --json ports = GET /ports');
  t.same(viaHttp, json(PORT_REPORT), 'and both are the engine document, every field kept');
  t.equal((viaGrpc as { criError?: string }).criError, PORT_REPORT.criError, 'criError reaches the client');
  const owner = (viaGrpc as { listeners: { owners: Record<string, unknown>[] }[] }).listeners[0].owners[0];
  t.match(
    owner,
    {
      podName: 'nginx-proxy-node1',
      podNamespace: 'kube-system',
      sandboxId: SANDBOX,
      shimPid: 4100,
      shimAddress: '/run/containerd/containerd.sock',
    },
    'bundle and shim facts of an owner reach the client',
  );
  const scanned = (viaGrpc as { netnsScanned: Record<string, unknown>[] }).netnsScanned;
  t.equal(scanned[1].memberPid, 4242, 'memberPid reaches the client');
  t.match(scanned[2], { unread: /no process is in this netns/ }, 'unread reaches the client');
  t.notOk('memberPid' in scanned[2], 'an unset optional field stays absent');

  const check = documentOf({ command: 'check-ports', value: await client.checkPorts([6443, 10250, 179]) });
  const checkHttp = await http.inject('/ports/check?ports=6443,10250,179');
  t.equal(checkHttp.statusCode, 503, 'held ports: 503');
  t.same(check, checkHttp.json(), 'kubesweep --json check-ports = GET /ports/check');
  t.same(
    checkHttp.json(),
    json(
      await (async () => ({
        allFree: false,
        ports: [6443, 10250, 179].map((port) => ({
          port,
          held: port !== 179,
          listeners: PORT_REPORT.listeners.filter((l) => l.port === port),
        })),
      }))(),
    ),
  );
});

t.test('Reset: the dry run keeps the plan notes; the real run keeps every report field', async (t) => {
  const { client } = await serve(t);
  const events: unknown[] = [];
  const dry = await client.reset({ confirmNode: 'node-1', dryRun: true }, (e) => events.push(e));
  t.same(documentOf({ command: 'reset', value: dry }), documented(report(true)), 'dry-run report = the engine document');
  t.same(
    dry.plan?.steps.map((s) => s.note),
    ['no kubelet unit configured', undefined, 'the CRI is unreachable: only netns files no pod holds'],
    'plan notes survive gRPC',
  );
  t.same(
    events.map((e) => (e as { type: string }).type),
    ['step-started', 'item-done', 'item-failed', 'step-finished'],
  );
  t.match(events[1], { step: 'remove-pods', action: 'stop-container', target: SANDBOX, outcome: 'done', message: 'stopped' });
  t.match(events[2], { outcome: 'failed', message: 'DeadlineExceeded' });
  t.match(events[3], { status: 'partial', durationMs: 30300 });

  const real = await client.reset({ confirmNode: 'node-1' });
  t.same(
    documentOf({ command: 'reset', value: real }),
    documented(report(false)),
    'report = the engine document (residue listeners with every owner field)',
  );
});

t.test('StopPods, WipeManifests, RemoveNetns: the step report as the engine wrote it', async (t) => {
  const { client } = await serve(t);
  for (const [name, call] of [
    ['stop-pods', () => client.stopPods({ confirmNode: 'node-1' })],
    ['wipe-manifests', () => client.wipeManifests({ confirmNode: 'node-1' })],
    ['remove-netns', () => client.removeNetns({ confirmNode: 'node-1' })],
  ] as const) {
    t.same(documentOf({ command: name, value: await call() }), documented(report(false)), name);
  }
});

t.test('Inspect, RestoreManifests, Info', async (t) => {
  const { client, config } = await serve(t);
  t.same(
    documentOf({ command: 'inspect', value: await client.inspect() }),
    { ...(json(INVENTORY) as object), dirWarnings: [] },
    'inventory = the engine document (uint64 sizes and inodes as numbers), with no dir warning (no learner)',
  );
  t.same(documentOf({ command: 'restore-manifests', value: await client.restoreManifests('node-1', '20261201T090000Z-abcdef') }), {
    backupId: '20261201T090000Z-abcdef',
    restored: ['kube-apiserver.yaml'],
    unchanged: [],
  });
  t.same(documentOf({ command: 'info', value: await client.info() }), {
    agentVersion: agentVersion(),
    nodeName: 'node-1',
    criRuntimeName: 'containerd',
    criRuntimeVersion: '1.6.20',
    criApiVersion: 'v1',
    // uptime in whole seconds (documented in convert.ts); no criError while the CRI answers
    facts: {
      os: 'Debian GNU/Linux 12',
      kernel: '6.18.0',
      hostname: 'node-1',
      arch: 'x64',
      cpus: 2,
      memoryBytes: 4 * 2 ** 30,
      uptimeSeconds: 100,
    },
    expectFreePorts: [6443, 10250],
    manifestsDir: config.manifestsDir,
    netnsDirs: [...config.netnsDirs],
    stateDir: config.stateDir,
    // An engine given fixed dirs (no learner): every dir as configured, nothing from containerd.
    dirs: [
      ...(
        [
          'containerdDirs',
          'netnsDirs',
          'cniConfDir',
          'cniIpamDirs',
          'cniCacheDir',
          'manifestsDir',
          'stateDir',
          'kubeletDir',
          'containerdConfig',
        ] as const
      ).map((o) => {
        const v = config[o];
        return {
          option: o,
          paths: typeof v === 'string' ? (v === '' ? [] : [v]) : [...v],
          source: 'default',
          detail: 'built-in default',
          runtimePaths: [],
        };
      }),
    ],
    criEndpoint: config.criEndpoint,
    criEndpointSource: '',
    runtimeSource: '',
    runtimeLearnedAt: '',
    runtimeVersion: '',
    dirWarnings: [],
  });
});
