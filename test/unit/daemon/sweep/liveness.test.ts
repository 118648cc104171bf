// One sandbox-liveness rule for plan and run (sweep/liveness.ts), and the plan = run check
// (test/helpers/plan-check.ts) that holds the engine to it: on a fake node whose CRI is down or
// lists a NOTREADY sandbox, the dry run's plan is what the real run executes, action for action.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import t from 'tap';
import type { CriClient } from '../../../../agent/daemon/cri/client';
import { Sweeper } from '../../../../agent/daemon/sweep';
import { sandboxLiveness } from '../../../../agent/daemon/sweep/liveness';
import { fakeNode } from '../../../helpers/fake-node';
import { executionDifferences, planDifferences, resetWithPlanCheck } from '../../../helpers/plan-check';

const id = (c: string) => c.repeat(64);

t.test('alive: listed by the CRI in any state, or run by a live shim; minus what the run ends', async (t) => {
  const seen = {
    pods: {
      sandboxes: [
        { id: 'r', state: 'SANDBOX_READY' },
        { id: 'n', state: 'SANDBOX_NOTREADY' },
      ],
    },
    shimIds: ['s'],
  };
  t.same([...sandboxLiveness(seen).alive].sort(), ['n', 'r', 's'], 'NOTREADY counts: its teardown is still to come');
  t.same([...sandboxLiveness(seen, (x) => x !== 'n').alive], ['n'], 'the sandboxes the run ends do not');
  const down = sandboxLiveness({ pods: { error: 'connection refused' }, shimIds: ['s'] });
  t.same(
    { alive: [...down.alive], criError: down.criError },
    { alive: ['s'], criError: 'connection refused' },
    'the CRI down: only shims are known, and it says so',
  );
});

/** A node with one cache file per sandbox id (netns files gone) and a CRI that answers `cri`. */
function nodeWithCache(t: Parameters<typeof fakeNode>[0], ids: string[], cri: Record<string, unknown>) {
  const { root, config } = fakeNode(t);
  mkdirSync(config.cniCacheDir, { recursive: true });
  for (const x of ids) {
    const doc = {
      kind: 'cniCacheV1',
      containerId: x,
      ifName: 'eth0',
      networkName: 'cbr0',
      cniArgs: [['K8S_POD_INFRA_CONTAINER_ID', x]],
      result: { interfaces: [{ name: 'eth0', sandbox: path.join(root, 'netns', `cni-${x.slice(0, 8)}`) }] },
    };
    writeFileSync(path.join(config.cniCacheDir, `cbr0-${x}-eth0`), JSON.stringify(doc));
  }
  const sweeper = new Sweeper(config, {
    cri: {
      listContainers: async () => [],
      podSandboxStatus: async () => ({ status: { linux: { namespaces: { options: { network: 'POD' } } } } }),
      ...cri,
    } as unknown as CriClient,
    log: pino({ level: 'silent' }),
    checkPorts: async (ports) => ({ allFree: true, ports: ports.map((port) => ({ port, held: false, listeners: [] })) }),
  });
  return { config, sweeper };
}

t.test('the CRI down: cni-cache plans no removal and says why; the run does exactly that', async (t) => {
  const { sweeper } = nodeWithCache(t, [id('a'), id('b')], {
    listPodSandbox: async () => {
      throw new Error('connect ECONNREFUSED');
    },
  });
  const plan = await sweeper.plan({ dryRun: true, scope: 'all', requestedBy: 't', steps: ['cni-cache'] });
  const cc = plan.steps.find((s) => s.name === 'cni-cache')!;
  t.same(cc.actions, [], 'no removal planned: containerd may still tear these sandboxes down');
  t.match(cc.note, /2 cache file\(s\) left in place: the CRI is unreachable/);
  const report = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 't', steps: ['cni-cache'] });
  t.same(report.steps.find((s) => s.name === 'cni-cache')!.items, [], 'and the run skips nothing it planned');
});

t.test('a NOTREADY sandbox the run keeps: its cache file is kept by plan and run alike', async (t) => {
  const notReady = {
    id: id('c'),
    state: 'SANDBOX_NOTREADY',
    createdAt: '0',
    metadata: { name: 'p', namespace: 'kube-system', uid: 'u', attempt: 0 },
    labels: {},
    annotations: { 'kubernetes.io/config.source': 'file' },
  };
  const { sweeper } = nodeWithCache(t, [id('c'), id('d')], { listPodSandbox: async () => [notReady] });
  // Scope daemonset: the static NOTREADY sandbox stays; sandbox d is gone for good.
  const report = await resetWithPlanCheck(t, sweeper, { scope: ['daemonset'], requestedBy: 't', steps: ['remove-pods', 'cni-cache'] });
  const items = report.steps.find((s) => s.name === 'cni-cache')!.items;
  t.same(
    items.map((i) => [path.basename(i.target), i.outcome]),
    [[`cbr0-${id('d')}-eth0`, 'done']],
    "only the dead sandbox's file is removed",
  );
  t.match(report.plan.steps.find((s) => s.name === 'cni-cache')!.note, /1 cache file\(s\) of live sandboxes kept/);
});

t.test('the check itself: it names plans that differ and planned actions the run skipped or dropped', async (t) => {
  const plan = {
    steps: [{ name: 'cni-cache', actions: [1, 2, 3, 4, 5, 6].map((n) => ({ action: 'remove-cni-cache', target: `/c/${n}` })) }],
  };
  // The dead-shim residue before the one rule: planned 6, skipped 6.
  const skipped = {
    plan,
    steps: [
      {
        name: 'cni-cache',
        items: plan.steps[0].actions.map((a) => ({ ...a, outcome: 'skipped', message: 'left in place: the CRI is unreachable' })),
      },
    ],
  };
  t.equal(executionDifferences(skipped).length, 6, 'each skipped planned action is a mismatch');
  t.same(
    executionDifferences(skipped, { allowSkips: [/the CRI is unreachable/] }),
    [],
    'unless the caller names the change the run reports',
  );
  const dropped = { plan, steps: [{ name: 'cni-cache', items: plan.steps[0].actions.slice(1).map((a) => ({ ...a, outcome: 'done' })) }] };
  t.match(executionDifferences(dropped), [/planned but not executed: remove-cni-cache \/c\/1/]);
  const twice = {
    plan,
    steps: [{ name: 'cni-cache', items: [...plan.steps[0].actions, plan.steps[0].actions[0]].map((a) => ({ ...a, outcome: 'done' })) }],
  };
  t.match(executionDifferences(twice), [/executed more than once: remove-cni-cache \/c\/1/]);
  t.match(executionDifferences({ plan, steps: [] }), [/no result for it and was not aborted/]);
  t.same(executionDifferences({ plan, steps: [], aborted: 'required step failed' }), [], 'an aborted run reports where it stopped');
  const acts = plan.steps[0].actions;
  const afterFailure = {
    plan,
    steps: [
      {
        name: 'cni-cache',
        items: [{ ...acts[0], outcome: 'failed' }, ...acts.slice(1).map((a) => ({ ...a, outcome: 'skipped', message: 'not attempted' }))],
      },
    ],
  };
  t.same(executionDifferences(afterFailure), [], 'skips that follow a failure are the run reporting it');
  const beforeFailure = {
    plan,
    steps: [
      {
        name: 'cni-cache',
        items: [
          ...acts.slice(0, 5).map((a) => ({ ...a, outcome: 'skipped', message: 'left in place' })),
          { ...acts[5], outcome: 'failed' },
        ],
      },
    ],
  };
  t.equal(executionDifferences(beforeFailure).length, 5, 'a failure later does not excuse the skips before it');
  const blocked = {
    steps: [{ name: 'remove-netns', actions: [{ action: 'remove-netns', target: '/n/1', detail: { blockedBy: ['pid 7 (sleep)'] } }] }],
  };
  t.same(
    executionDifferences({
      plan: blocked,
      steps: [{ name: 'remove-netns', items: [{ action: 'remove-netns', target: '/n/1', outcome: 'skipped', message: 'held by pid 7' }] }],
    }),
    [],
    'a skip the plan announced (blockedBy) is the plan kept',
  );
  t.same(planDifferences(plan, plan), [], 'a plan equals itself');
  const fewer = { steps: [{ name: 'cni-cache', note: '1 kept', actions: plan.steps[0].actions.slice(1) }] };
  t.match(planDifferences(plan, fewer), [/note differs/, /actions differ/]);
  t.match(planDifferences(plan, { steps: [] }), [/steps differ/]);
});
