// The Sweeper's contract with its callers, on an empty fake node (fake /proc, temp dirs) and a
// stand-in CRI: option validation, the busy guard, dry runs that write nothing, port residue.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import t from 'tap';
import { fakeNode } from '../../../helpers/fake-node';
import type { CriClient } from '../../../../agent/daemon/cri/client';
import { ksError } from '../../../../agent/shared/errors';
import type { Listener, PortCheck } from '../../../../agent/daemon/ports/types';
import { Sweeper } from '../../../../agent/daemon/sweep';

const listener: Listener = {
  protocol: 'tcp',
  family: 4,
  address: '127.0.0.1',
  port: 6443,
  inode: 1,
  netns: { inode: 2, host: true },
  owners: [
    {
      pid: 42,
      command: 'kube-apiserver --secure-port 6443',
      containerId: 'abc',
      containerName: 'kube-apiserver',
      residue: true,
      residueReason: 'its pod is gone from the CRI',
    },
  ],
};

function cri(over: Partial<Record<string, (...a: unknown[]) => Promise<unknown>>> = {}): CriClient {
  return { listPodSandbox: async () => [], listContainers: async () => [], ...over } as unknown as CriClient;
}

t.test('options are validated, all problems at once', async (t) => {
  const { config } = fakeNode(t);
  const s = new Sweeper(config, { cri: cri(), log: pino({ level: 'silent' }), checkPorts: async () => ({ allFree: true, ports: [] }) });
  const err = await s
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the invalid values are the point; tsc refuses them without the casts
    .reset({ dryRun: true, scope: ['job' as never], requestedBy: '', graceSeconds: -1, steps: ['nuke' as never] })
    .catch((e: { code: string; details: { problems: string[] } }) => e);
  t.equal((err as { code: string }).code, 'KS_INVALID_ARGUMENT');
  t.equal((err as { details: { problems: string[] } }).details.problems.length, 4, 'scope, grace, steps and requestedBy all reported');
  await t.rejects(s.plan({ dryRun: true, scope: 'all', requestedBy: 'x', steps: [] }), { code: 'KS_INVALID_ARGUMENT' });
});

t.test('busy guard; dry runs write nothing and may run alongside', async (t) => {
  const { config } = fakeNode(t);
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  let hold = false;
  const slowCri = cri({
    listPodSandbox: async () => {
      if (hold) {
        hold = false;
        await gate;
      }
      return [];
    },
  });
  const s = new Sweeper(config, { cri: slowCri, log: pino({ level: 'silent' }), checkPorts: async () => ({ allFree: true, ports: [] }) });
  const dry = await s.reset({ dryRun: true, scope: 'all', requestedBy: 't' });
  t.same(readdirSync(config.stateDir), [], 'a dry run writes no journal and no backup');
  t.ok(existsSync(path.join(config.manifestsDir, 'kube-apiserver.yaml')), 'nor removes a manifest');
  t.same(
    dry.plan.steps.find((x) => x.name === 'backup-manifests')!.actions.map((a) => a.action),
    ['backup-file', 'remove-file'],
  );
  hold = true;
  const first = s.reset({ dryRun: false, scope: 'all', requestedBy: 't' });
  await new Promise((r) => setTimeout(r, 50));
  await t.rejects(s.reset({ dryRun: false, scope: 'all', requestedBy: 't' }), { code: 'KS_BUSY' }, 'a second real reset is refused');
  const alongside = await s.reset({ dryRun: true, scope: 'all', requestedBy: 't' });
  t.equal(alongside.dryRun, true, 'a dry run is not blocked');
  release();
  const report = await first;
  t.equal(report.verification?.verdict, 'clean', `fake node is clean after the reset (${JSON.stringify(report.verification?.residue)})`);
  t.ok(report.backupId);
  t.same(readdirSync(config.manifestsDir), []);
});

t.test('verify: held ports are residue with their owners; CRI errors are residue too', async (t) => {
  const { config } = fakeNode(t);
  const asked: number[][] = [];
  const checkPorts = async (ports: readonly number[]): Promise<PortCheck> => {
    asked.push([...ports]);
    return { allFree: false, ports: ports.map((p) => ({ port: p, held: p === 6443, listeners: p === 6443 ? [listener] : [] })) };
  };
  const s = new Sweeper(config, {
    cri: cri({ listPodSandbox: async () => Promise.reject(ksError('KS_CRI_UNAVAILABLE', 'no CRI socket')) }),
    log: pino({ level: 'silent' }),
    checkPorts,
  });
  const v = await s.verify({ extraPorts: [30000] });
  t.same(asked, [[6443, 30000]]);
  t.equal(v.verdict, 'residue');
  const port = v.residue.find((r) => r.kind === 'port')!;
  t.equal(port.target, '6443');
  t.equal(
    port.why,
    'tcp 127.0.0.1:6443 held by pid 42 (kube-apiserver --secure-port 6443), container kube-apiserver — left over: its pod is gone from the CRI',
  );
  t.same(port.listeners, [listener]);
  t.match(v.residue.find((r) => r.kind === 'sandbox')!.why, /CRI is unreachable/);
  t.ok(
    v.residue.some((r) => r.kind === 'manifest'),
    'manifest still there is residue',
  );
  const inv = await s.inspect();
  t.match(inv.criError, /no CRI socket/);
  t.same(
    inv.manifests.map((m) => m.name),
    ['kube-apiserver.yaml'],
  );
});
