import t from 'tap';
import { ResetProgress } from '../../../agent/client/progress';
import { makeStyle } from '../../../agent/client/style';
import type { ProgressEvent } from '../../../agent/sweep/types';

const EVENTS: ProgressEvent[] = [
  { type: 'step-started', step: 'remove-pods', planned: 2 },
  { type: 'item-done', step: 'remove-pods', action: 'stop-sandbox', target: 'f'.repeat(64), outcome: 'done' },
  { type: 'item-failed', step: 'remove-pods', action: 'remove-sandbox', target: 'abc', message: 'CRI said no' },
  { type: 'step-finished', step: 'remove-pods', status: 'partial', durationMs: 1500 },
];

function sink(columns?: number) {
  const chunks: string[] = [];
  return { chunks, columns, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

t.test('off a terminal: one plain line per event, no control codes', async (t) => {
  const out = sink();
  const p = new ResetProgress(out, makeStyle(false), { live: false, prefix: '[node1]' });
  for (const ev of EVENTS) p.onEvent(ev);
  p.finish();
  t.same(out.text().split('\n'), [
    '[node1] ▸ remove-pods: 2 actions planned',
    '[node1]   ✓ stop-sandbox fffffffffffff done',
    '[node1]   ✗ remove-sandbox abc failed: CRI said no',
    '[node1] ✗ remove-pods partial (1.5 s)',
    '',
  ]);
  t.notOk(out.text().includes('\r'), 'no carriage returns');
});

t.test('on a terminal: the status line is drawn under the lines and cleared at the end', async (t) => {
  const out = sink(200);
  let now = 1000;
  const p = new ResetProgress(out, makeStyle(false), { live: true, now: () => now, tickMs: 0 });
  p.onEvent(EVENTS[0]!);
  p.onEvent(EVENTS[1]!);
  now = 3500;
  t.match(p.statusText(), /remove-pods █{10}░{10} 1\/2 {2}2\.5 s$/, 'half-full bar for 1 of 2 planned');
  p.onEvent(EVENTS[2]!);
  t.match(p.statusText(), /2\/2 1 failed/);
  const text = out.text();
  t.match(text, /\r\x1b\[2K⠋ remove-pods/, 'status line redrawn in place');
  t.match(text, /\r\x1b\[2K {2}✓ stop-sandbox/, 'status line cleared before an event line');
  p.finish();
  t.ok(out.text().endsWith('\r\x1b[2K'), 'status line cleared at the end');
  const narrow = sink(20);
  const q = new ResetProgress(narrow, makeStyle(false), { live: true, tickMs: 0 });
  q.onEvent(EVENTS[0]!);
  q.finish();
  const drawn = narrow.chunks.filter((c) => c.includes('⠋'));
  t.ok(drawn.length > 0 && drawn.every((c) => c.replace('\r\x1b[2K', '').length <= 20), 'status line fits the terminal width');
});
