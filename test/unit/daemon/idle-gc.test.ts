// The idle collector: when it collects (pure policy, then the stateful tick with its baseline),
// and that exposeGc() really is V8's full collection in a node started without --expose-gc.
import t from 'tap';
import { exposeGc, IDLE_GC_COLLECTIONS, IDLE_GC_POLICY, IdleGc, shouldCollect, type IdleGcSample } from '../../../agent/daemon/idle-gc';

const MiB = 1024 * 1024;
const quiet = (rssMiB: number): IdleGcSample => ({ rssBytes: rssMiB * MiB, busy: 0.01, operationRunning: false });

t.test('shouldCollect: only a quiet agent that grew by the policy’s step since the last collection', (t) => {
  t.ok(shouldCollect(quiet(60), 58 * MiB), 'grew 2 MiB, quiet');
  t.notOk(shouldCollect(quiet(58.5), 58 * MiB), 'grew less than the step');
  t.notOk(shouldCollect({ ...quiet(70), busy: 0.5 }, 58 * MiB), 'the loop is busy: reads are being served');
  t.notOk(shouldCollect({ ...quiet(70), operationRunning: true }, 58 * MiB), 'never in the middle of a reset');
  t.ok(shouldCollect({ ...quiet(70), busy: IDLE_GC_POLICY.maxBusy }, 58 * MiB), 'at the busy bound');
  t.end();
});

t.test('IdleGc: collects after start-up, then again only after new growth', (t) => {
  let rss = 58;
  let busy = 0.01;
  let collected = 0;
  const idle = new IdleGc({
    gc: () => {
      collected++;
      rss -= 0.5; // what each collection gave back
    },
    sample: () => ({ rssBytes: rss * MiB, busy, operationRunning: false }),
  });
  t.equal(idle.tick(), true, 'the first quiet period after start-up collects');
  t.equal(collected, IDLE_GC_COLLECTIONS, 'several full collections in a row: one does not shrink the heap');
  t.equal(idle.tick(), false, 'nothing grew since: no second collection');
  rss += 0.5;
  t.equal(idle.tick(), false, 'grew less than the step');
  rss += 5;
  busy = 0.4;
  t.equal(idle.tick(), false, 'grew, but the loop is busy');
  busy = 0.01;
  t.equal(idle.tick(), true, 'quiet again: collects');
  t.equal(idle.collections, 2);
  t.equal(collected, 2 * IDLE_GC_COLLECTIONS);
  t.end();
});

t.test('exposeGc() is a real full collection in a node started without --expose-gc', async (t) => {
  t.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'this node has no gc of its own');
  const gc = exposeGc();
  let target: object | undefined = { big: new Array(1000).fill('x') };
  const ref = new WeakRef(target);
  target = undefined;
  // A WeakRef's target is kept until the current job ends: collect in a later one.
  await new Promise((r) => setTimeout(r, 10));
  gc();
  t.equal(ref.deref(), undefined, 'the unreachable object is gone');
});
