import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import { placeTeardownConf } from '../../../../agent/daemon/host/teardown-conf';
import { cniFallbackReason, isDeterministicCniError, repairCniFallback } from '../../../../agent/daemon/sweep/cni-fallback';
import { appendJournal, readJournal } from '../../../../agent/daemon/sweep/journal';
import { ksError } from '../../../../agent/shared/errors';

const FIX = path.join(__dirname, '../../../fixtures/cri');
const errors = readFileSync(path.join(FIX, 'stop-sandbox-errors.txt'), 'utf8').split('\n').filter(Boolean);
const quiet = pino({ level: 'silent' });

t.test('which stop errors call for the fallback, and which are deterministic', async (t) => {
  const failed = ksError('KS_CRI_CALL_FAILED', errors[0]);
  t.match(cniFallbackReason(failed, false), /^CNI DEL failed: plugin type="ks-fault": error getting ClusterInformation/);
  t.ok(isDeterministicCniError(failed), 'a plugin error is not retried');
  t.match(cniFallbackReason(ksError('KS_CRI_CALL_FAILED', errors[1]), false), /^CNI DEL hung: plugin type="ks-fault" was killed/);
  const deadline = ksError('KS_CRI_DEADLINE', 'CRI StopPodSandbox(abc): no answer within 60000 ms');
  t.match(cniFallbackReason(deadline, false), /^CNI DEL hung/, 'a deadline on a pod-netns sandbox: a hanging DEL');
  t.equal(cniFallbackReason(deadline, true), undefined, 'a host-network sandbox runs no CNI: a deadline is something else');
  t.notOk(isDeterministicCniError(deadline), 'a deadline alone is not deterministic');
  t.equal(cniFallbackReason(ksError('KS_CRI_UNAVAILABLE', 'no CRI socket'), false), undefined);
});

function confDir(t: Test) {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-repair-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'net.d');
  const state = path.join(root, 'state');
  mkdirSync(dir);
  writeFileSync(path.join(dir, '10-calico.conflist'), '{"name":"k8s-pod-network","plugins":[{"type":"calico"}]}\n');
  return { dir, state };
}

t.test('repair: a teardown config left by a dead run is removed, byte-identical dir, journaled', async (t) => {
  const { dir, state } = confDir(t);
  const before = readdirSync(dir).map((n) => [n, readFileSync(path.join(dir, n), 'utf8')]);
  // The run died after journaling 'placing' and writing the file.
  placeTeardownConf(dir, (p) =>
    appendJournal(state, { type: 'cni-fallback', runId: 'dead', at: 'x', phase: 'placing', dir: p.dir, path: p.path, sha256: p.sha256 }),
  );
  t.equal(readdirSync(dir).length, 2);
  const r = repairCniFallback(state, quiet);
  t.same(
    r.map((x) => [x.outcome, x.runId]),
    [['done', 'dead']],
  );
  t.same(
    readdirSync(dir).map((n) => [n, readFileSync(path.join(dir, n), 'utf8')]),
    before,
    'the conf dir holds exactly what it held',
  );
  t.same(
    readJournal(state).map((x) => (x.type === 'cni-fallback' ? x.phase : x.type)),
    ['placing', 'repaired'],
  );
  t.same(repairCniFallback(state, quiet), [], 'nothing left to repair');
});

t.test('repair: died after journaling, before writing → nothing to remove, still closed', async (t) => {
  const { dir, state } = confDir(t);
  appendJournal(state, {
    type: 'cni-fallback',
    runId: 'dead',
    at: 'x',
    phase: 'placing',
    dir,
    path: path.join(dir, '00-kubesweep-teardown.conflist'),
    sha256: 'ab',
  });
  writeFileSync(path.join(dir, '.00-kubesweep-teardown.conflist.kubesweep.tmp'), '{"half');
  t.same(
    repairCniFallback(state, quiet).map((x) => x.outcome),
    ['gone'],
  );
  t.same(readdirSync(dir), ['10-calico.conflist'], 'a half-written temp file of ours is removed too');
  t.same(repairCniFallback(state, quiet), []);
});

t.test('repair never removes a file that is not exactly ours, nor one outside our names', async (t) => {
  const { dir, state } = confDir(t);
  const placed = placeTeardownConf(dir, () => {});
  appendJournal(state, { type: 'cni-fallback', runId: 'dead', at: 'x', phase: 'placing', dir, path: placed.path, sha256: placed.sha256 });
  writeFileSync(placed.path, '{"edited":true}');
  appendJournal(state, {
    type: 'cni-fallback',
    runId: 'forged',
    at: 'x',
    phase: 'placing',
    dir,
    path: path.join(dir, '10-calico.conflist'),
    sha256: 'x',
  });
  t.same(
    repairCniFallback(state, quiet).map((x) => x.outcome),
    ['differs'],
  );
  t.equal(readFileSync(placed.path, 'utf8'), '{"edited":true}', 'edited file stays');
  t.ok(existsSync(path.join(dir, '10-calico.conflist')), "a journal line naming the node's own config is ignored");
});
