// The real agent (as its unit runs it) collects once it is quiet after start-up, and again after
// a burst of reads: the "idle collection" debug line, with the RSS before and after (a
// measurement, not asserted: the bench reports the figures). No CRI answers; nothing is touched.
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { startAgent } from '../../helpers/agent';

const idleCollections = (logs: { msg?: string }[]) => logs.filter((l) => l.msg === 'idle collection');

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('the agent collects when quiet after start-up and after a burst of reads', async (t) => {
  const dir = mkdtempSync('/tmp/ksig-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const agent = await startAgent(t, {
    dir,
    args: [
      '--node-name',
      'n1',
      '--state-dir',
      path.join(dir, 'state'),
      '--manifests-dir',
      path.join(dir, 'manifests'),
      '--netns-dir',
      path.join(dir, 'netns'),
      '--cri-endpoint',
      `unix://${path.join(dir, 'no-containerd.sock')}`,
      '--kubelet-unit',
      '',
      '--log-level',
      'debug',
    ],
  });
  await until('a first idle collection after start-up', () => idleCollections(agent.logs).length >= 1, 10_000);
  const first = idleCollections(agent.logs)[0] as { rssBeforeMiB: number; rssAfterMiB: number };
  t.ok(first.rssBeforeMiB > 0 && first.rssAfterMiB > 0, `after start-up: ${first.rssBeforeMiB} → ${first.rssAfterMiB} MiB`);
  const after = idleCollections(agent.logs).length;
  const c = agent.client();
  // Node facts load systeminformation: the heap grows by more than the collector's step.
  for (let i = 0; i < 10; i++) await c.call('Info', {});
  await until('another idle collection after the reads', () => idleCollections(agent.logs).length > after, 10_000);
  t.pass(`collected again after the reads (${idleCollections(agent.logs).length} in all)`);
});
