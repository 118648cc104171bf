// An in-test AgentEngine: records what it was asked, answers with small fixed documents, and
// lets a test hold a reset open (gate) to probe the one-at-a-time lock and shutdown.
import type { AgentEngine } from '../../agent/daemon/server/engine';
import type { PortCheck, PortReport } from '../../agent/daemon/ports/types';
import type { Plan, ProgressEvent, ResetOptions, ResetReport } from '../../agent/daemon/sweep/types';

export interface FakeEngine extends AgentEngine {
  calls: { method: string; args: unknown }[];
  /** When set, a real (not dry) reset() waits for it before finishing. */
  gate?: Promise<void>;
  /** Ports the fake reports as held. */
  held: Set<number>;
  criDown: boolean;
  failReset?: Error;
}

export function fakePlan(opts: ResetOptions): Plan {
  return {
    node: 'node-1',
    createdAt: '2026-11-29T10:00:00.000Z',
    dryRun: opts.dryRun,
    scope: opts.scope,
    graceSeconds: opts.graceSeconds ?? 10,
    steps: (opts.steps ?? ['backup-manifests', 'remove-pods']).map((name) => ({
      name,
      required: name === 'backup-manifests',
      actions: [
        name === 'remove-pods'
          ? {
              step: name,
              action: 'remove-sandbox',
              target: 'x',
              detail: { sandboxId: 'x', pod: 'kube-system/kube-apiserver-node-1', kind: 'static', hostNetwork: true },
            }
          : {
              step: name,
              action: 'backup-file',
              target: '/etc/kubernetes/manifests/kube-apiserver.yaml',
              detail: { name: 'kube-apiserver.yaml', size: 1, sha256: 'x' },
            },
      ],
    })),
  };
}

export function makeFakeEngine(): FakeEngine {
  const e: FakeEngine = {
    calls: [],
    held: new Set(),
    criDown: false,
    sweeper: {
      async reset(opts: ResetOptions, onEvent?: (ev: ProgressEvent) => void, signal?: AbortSignal): Promise<ResetReport> {
        e.calls.push({ method: 'reset', args: opts });
        if (e.failReset) throw e.failReset;
        const plan = fakePlan(opts);
        onEvent?.({ type: 'step-started', step: plan.steps[0].name, planned: 1 });
        if (e.gate && !opts.dryRun) await e.gate;
        onEvent?.({
          type: 'item-done',
          step: plan.steps[0].name,
          action: 'remove-sandbox',
          target: 'abc',
          outcome: opts.dryRun ? 'planned' : 'done',
        });
        onEvent?.({ type: 'step-finished', step: plan.steps[0].name, status: 'ok', durationMs: 1.6 });
        return {
          runId: '20261129T100000Z-abcdef',
          node: 'node-1',
          requestedBy: opts.requestedBy,
          dryRun: opts.dryRun,
          plan,
          steps: [
            {
              name: plan.steps[0].name,
              status: 'ok',
              found: 1,
              done: 1,
              skipped: 0,
              failed: 0,
              items: [{ action: 'remove-sandbox', target: 'abc', outcome: 'done', durationMs: 3.2 }],
              durationMs: 4.4,
            },
          ],
          verification: { verdict: 'clean', residue: [], checkedPorts: [...(opts.expectFreePorts ?? [])] },
          backupId: '20261129T100000Z-abcdef',
          startedAt: '2026-11-29T10:00:00.000Z',
          finishedAt: '2026-11-29T10:00:01.000Z',
          durationMs: 1000,
          aborted: signal?.aborted ? 'agent shutting down' : undefined,
        };
      },
      async inspect() {
        e.calls.push({ method: 'inspect', args: undefined });
        return {
          sandboxes: [
            {
              id: 's1',
              name: 'kube-apiserver-node-1',
              namespace: 'kube-system',
              uid: 'u1',
              kind: 'static',
              hostNetwork: true,
              state: 'SANDBOX_READY',
              createdAt: '2026-11-29T10:00:00Z',
            },
          ],
          containers: [],
          shims: [],
          netns: [],
          manifests: [{ name: 'kube-apiserver.yaml', size: 10, sha256: 'ab' }],
          backups: [],
          links: [{ name: 'cni0', kind: 'bridge', up: true, addresses: ['10.244.1.1/24'], pattern: 'cni0', inert: false }],
          ipReservations: [
            { path: '/var/lib/cni/networks/cbr0/10.244.1.9', network: 'cbr0', ip: '10.244.1.9', containerId: 'dead1', live: false },
          ],
          cniCacheFiles: [
            {
              path: '/var/lib/cni/results/cbr0-dead1-eth0',
              network: 'cbr0',
              containerId: 'dead1',
              ifname: 'eth0',
              netns: '/var/run/netns/cni-9',
              live: false,
            },
          ],
          kubeletMounts: [],
          kubeletPodDirs: [],
          cniConfigFiles: [],
          firewall: [{ backend: 'iptables-nft', table: 'nat', chains: ['KUBE-SERVICES'], jumps: 2 }],
          kubeletUnitState: 'enabled',
          etcdData: [],
          kubeletStateFiles: [],
          podCgroups: [],
          residueErrors: [],
        };
      },
      async restoreManifests(backupId?: string) {
        e.calls.push({ method: 'restoreManifests', args: backupId });
        return { backupId: backupId ?? '20261129T100000Z-abcdef', restored: ['kube-apiserver.yaml'], unchanged: [] };
      },
    },
    async listPorts(opts): Promise<PortReport> {
      e.calls.push({ method: 'listPorts', args: opts });
      return {
        listeners: [...e.held].map((port, i) => ({
          protocol: 'tcp',
          family: 4,
          address: '127.0.0.1',
          port,
          inode: 1000 + i,
          netns: { inode: 4026531840, host: true, name: 'host' },
          owners: [{ pid: 42, command: 'nginx -g daemon off;', containerId: 'c1', residue: true, residueReason: 'sandbox gone' }],
        })),
        malformedLines: 0,
        netnsScanned: [{ inode: 4026531840, host: true, name: 'host' }],
        generatedAt: '2026-11-29T10:00:00.000Z',
      };
    },
    async checkPorts(ports): Promise<PortCheck> {
      e.calls.push({ method: 'checkPorts', args: ports });
      const all = (await e.listPorts({})).listeners;
      const res = ports.map((port) => ({ port, held: e.held.has(port), listeners: all.filter((l) => l.port === port) }));
      return { allFree: res.every((r) => !r.held), ports: res };
    },
    async nodeFacts() {
      return {
        os: 'Debian GNU/Linux 12',
        kernel: '6.18.0',
        hostname: 'node-1',
        arch: 'x64',
        cpus: 2,
        memoryBytes: 4 * 2 ** 30,
        uptimeSeconds: 100.4,
      };
    },
    async criVersion() {
      if (e.criDown) throw Object.assign(new Error('no CRI'), {});
      return { runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1' };
    },
  };
  return e;
}
