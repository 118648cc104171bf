import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ksError } from '../../../../agent/shared/errors';
import { defaultSweepConfig } from '../../../../agent/daemon/engine-config';
import { appendJournal, journalPath, readJournal } from '../../../../agent/daemon/sweep/journal';
import { inScope, podKindOf, validScope } from '../../../../agent/daemon/sweep/pod-kind';
import { backoffDelay, withRetry } from '../../../../agent/daemon/sweep/retry';

t.test('pod kinds from kubelet labels and annotations', async (t) => {
  t.equal(podKindOf({}, { 'kubernetes.io/config.source': 'file' }), 'static');
  t.equal(podKindOf({}, { 'kubernetes.io/config.source': 'api', 'kubernetes.io/config.mirror': 'x' }), 'static');
  t.equal(
    podKindOf({ 'controller-revision-hash': 'a', 'pod-template-generation': '1' }, { 'kubernetes.io/config.source': 'api' }),
    'daemonset',
  );
  t.equal(podKindOf({ 'controller-revision-hash': 'a' }, {}), 'pod', 'a StatefulSet pod has a revision hash but no template generation');
  t.equal(podKindOf(undefined, undefined), 'pod');
  t.ok(inScope('static', ['static', 'daemonset']));
  t.notOk(inScope('pod', ['static', 'daemonset']));
  t.ok(inScope('pod', 'all'));
  t.ok(validScope(['daemonset']));
  t.notOk(validScope([]));
  t.notOk(validScope(['static', 'job']));
});

t.test('withRetry retries transient CRI errors with backoff, not others', async (t) => {
  t.same(
    [1, 2, 3, 4, 5].map((a) => backoffDelay(a, 100, 1000)),
    [100, 200, 400, 800, 1000],
  );
  let calls = 0;
  const r = await withRetry(
    async () => {
      if (++calls < 3) throw ksError('KS_CRI_DEADLINE', 'slow');
      return 'ok';
    },
    { retries: 3, baseDelayMs: 1 },
  );
  t.equal(r, 'ok');
  t.equal(calls, 3);
  calls = 0;
  await t.rejects(
    withRetry(
      async () => {
        calls++;
        throw ksError('KS_CRI_CALL_FAILED', 'boom');
      },
      { retries: 2, baseDelayMs: 1 },
    ),
    { code: 'KS_CRI_CALL_FAILED' },
  );
  t.equal(calls, 3, 'one call plus two retries');
  calls = 0;
  await t.rejects(
    withRetry(
      async () => {
        calls++;
        throw ksError('KS_PATH_OUTSIDE_SCOPE', 'no');
      },
      { retries: 5, baseDelayMs: 1 },
    ),
    { code: 'KS_PATH_OUTSIDE_SCOPE' },
  );
  t.equal(calls, 1, 'a refusal is never retried');
});

t.test('journal: appended lines, torn last line skipped', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-journal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.same(readJournal(dir), []);
  appendJournal(dir, { type: 'started', runId: 'r1', at: 'x', node: 'n', requestedBy: 'me', plan: { steps: [] } });
  appendJournal(dir, { type: 'step', runId: 'r1', at: 'y', step: { name: 'remove-pods' } });
  appendFileSync(journalPath(dir), '{"type":"finished","runId":"r1","at"'); // crash mid-write
  const recs = readJournal(dir);
  t.same(
    recs.map((r) => r.type),
    ['started', 'step'],
  );
  t.equal((recs[0] as { requestedBy: string }).requestedBy, 'me');
});

t.test('config defaults and validation', async (t) => {
  const c = defaultSweepConfig({});
  t.equal(c.manifestsDir, '/etc/kubernetes/manifests');
  t.same(c.netnsDirs, ['/var/run/netns']);
  t.equal(c.stateDir, '/var/lib/kubesweep');
  t.equal(c.kubeletUnit, 'kubelet.service');
  t.equal(c.containerdNamespace, 'k8s.io');
  t.equal(c.containerdAddress, '/run/containerd/containerd.sock');
  t.equal(c.graceSeconds, 10);
  t.equal(c.criTimeoutMs, 60000);
  t.equal(c.retries, 3);
  t.same(c.containerdDirs, ['/run/containerd', '/var/lib/containerd']);
  t.ok(c.expectFreePorts.includes(6443) && c.expectFreePorts.includes(9254));
  t.ok(Object.isFrozen(c) && Object.isFrozen(c.netnsDirs), 'frozen');
  t.equal(defaultSweepConfig({ criEndpoint: 'unix:///tmp/x/c.sock' }).containerdAddress, '/tmp/x/c.sock', 'address follows the endpoint');
  t.equal(defaultSweepConfig({ kubeletUnit: '' }).kubeletUnit, '', 'empty unit = skip');
  const err = (() => {
    try {
      defaultSweepConfig({ manifestsDir: 'relative', netnsDirs: [], graceSeconds: -1, parallelism: 0, kubeletUnit: 'a b', stateDir: '/' });
    } catch (e) {
      return e as { code: string; details: { problems: string[] } };
    }
    return undefined;
  })();
  t.equal(err?.code, 'KS_CONFIG_INVALID');
  t.equal(err?.details.problems.length, 6, `all problems listed at once: ${err?.details.problems.join(' | ')}`);
});
