// The short soak: one agent, 3 cycles of the seed residue + reset with 20 concurrent ListPorts
// reads during each reset. Every reset clean, no read fails, no fd growth. (The 20-cycle run with
// the RSS bound is `npm run bench`: scripts/bench/soak.ts.)
import t from 'tap';
import { READS_PER_RESET, soak } from '../../../scripts/bench/soak';

t.test('soak, 3 cycles: every reset clean, every concurrent read answered, no fd growth', async (t) => {
  const r = await soak(3, (l) => t.comment(l));
  t.equal(r.cycles.length, 3);
  for (const c of r.cycles) {
    t.equal(c.verdict, 'clean', `cycle ${c.cycle}: clean`);
    t.equal(c.reads, READS_PER_RESET, `cycle ${c.cycle}: ${READS_PER_RESET} reads during the reset`);
    t.same(c.readFailures, [], `cycle ${c.cycle}: no read failed`);
  }
  t.ok(r.fdGrowth <= 0, `no fd growth (${r.cycles.map((c) => c.fds).join(', ')})`);
  t.comment(`RSS (MiB): ${r.cycles.map((c) => (c.rssKiB / 1024).toFixed(1)).join(', ')}`);
});
