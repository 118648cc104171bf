// The one bounded pool: the bound holds across callers, order is kept, a failure frees its slot.
import t from 'tap';
import { Limiter, mapLimit } from '../../../agent/shared/pool';

t.test('mapLimit keeps the bound and the order', async (t) => {
  let active = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, n * 5));
    active--;
    return n * 10;
  });
  t.same(out, [50, 10, 40, 20, 30, 0]);
  t.equal(peak, 2);
  t.same(await mapLimit([], 4, async () => 1), []);
});

t.test('Limiter: one bound for every caller, first come first served', async (t) => {
  const pool = new Limiter(3);
  let active = 0;
  let peak = 0;
  const started: number[] = [];
  const job = (i: number) =>
    pool.run(async () => {
      started.push(i);
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 10));
      active--;
      return i;
    });
  // Two callers sharing the pool, as remove-pods' pods do.
  const [a, b] = await Promise.all([Promise.all([0, 1, 2, 3].map(job)), Promise.all([4, 5, 6, 7].map(job))]);
  t.same([...a, ...b], [0, 1, 2, 3, 4, 5, 6, 7]);
  t.equal(peak, 3, 'never more than the limit in flight');
  t.same(started, [0, 1, 2, 3, 4, 5, 6, 7], 'started in the order they asked');
});

t.test('a failed call frees its slot; nonsense limits mean one at a time', async (t) => {
  const pool = new Limiter(1);
  await t.rejects(
    pool.run(async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  t.equal(await pool.run(async () => 'next'), 'next', 'the slot was given back');
  for (const bad of [0, -3, Number.NaN]) t.equal(new Limiter(bad).limit, 1, `limit ${bad} → 1`);
  t.equal(new Limiter(2.7).limit, 2);
});
