// The step list is the one declaration of the steps: order, names and the required set come
// from it, and verify runs as a step like the others (its result reaches the report through
// the run context).
import pino from 'pino';
import t from 'tap';
import { fakeNode as sharedFakeNode } from '../../../helpers/fake-node';
import type { CriClient } from '../../../../agent/daemon/cri/client';
import { Sweeper } from '../../../../agent/daemon/sweep';
import { ALL_STEPS, REQUIRED_STEPS, STEPS, stepNamed } from '../../../../agent/daemon/sweep/steps';

t.test('order, names and the required set derive from STEPS', async (t) => {
  t.same(
    ALL_STEPS,
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
      'links',
      'firewall',
      'etcd-data',
      'kubelet-state',
      'verify',
    ],
    'the order a reset runs in',
  );
  t.same([...REQUIRED_STEPS], ['stop-kubelet', 'backup-manifests'], 'a failure of these stops the run');
  t.equal(new Set(ALL_STEPS).size, ALL_STEPS.length, 'names are unique');
  for (const s of STEPS) t.equal(stepNamed(s.name), s, `${s.name} is found by name`);
  t.equal(stepNamed('nuke'), undefined);
});

function fakeNode(t: { teardown: (fn: () => void) => void }) {
  const { config } = sharedFakeNode(t, { kubeletUnit: '' });
  const cri = { listPodSandbox: async () => [], listContainers: async () => [] } as unknown as CriClient;
  return new Sweeper(config, {
    cri,
    log: pino({ level: 'silent' }),
    checkPorts: async (ports) => ({ allFree: true, ports: ports.map((port) => ({ port, held: false, listeners: [] })) }),
  });
}

t.test('the plan follows the list order whatever order the steps are asked in', async (t) => {
  const plan = await fakeNode(t).plan({ dryRun: true, scope: 'all', requestedBy: 't', steps: ['verify', 'remove-netns', 'stop-kubelet'] });
  t.same(
    plan.steps.map((s) => [s.name, s.required]),
    [
      ['stop-kubelet', true],
      ['remove-netns', false],
      ['verify', false],
    ],
  );
  t.same(
    plan.steps[2].actions.map((a) => a.target),
    ['ports', 'pods', 'shims', 'netns'],
    'verify checks netns because remove-netns is in the plan, not manifests',
  );
});

t.test('verify is a step: its verification reaches the report', async (t) => {
  const s = fakeNode(t);
  const only = await s.reset({ dryRun: false, scope: 'all', requestedBy: 't', steps: ['verify'] });
  t.same(
    only.steps.map((r) => r.name),
    ['verify'],
  );
  t.equal(only.steps[0].reason, 'verdict clean', 'the manifest is not residue: this run does not remove manifests');
  t.same(only.verification, { verdict: 'clean', residue: [], checkedPorts: [6443] });
  t.same(
    only.steps[0].items.map((i) => [i.action, i.target, i.outcome, i.message]),
    [
      ['check', 'ports', 'done', 'clean'],
      ['check', 'pods', 'done', 'clean'],
      ['check', 'shims', 'done', 'clean'],
    ],
  );
  const none = await s.reset({ dryRun: false, scope: 'all', requestedBy: 't', steps: ['remove-netns'] });
  t.equal(none.verification, undefined, 'no verify step, no verification');
});
