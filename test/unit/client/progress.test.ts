import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { ResetProgress } from '../../../agent/client/progress';
import { makeStyle } from '../../../agent/client/style';
import type { Out } from '../../../agent/shared/api-types';
import { progressEvent } from '../../helpers/wire';

const EVENTS: Out<'Progress'>[] = [
  { type: 'step-started', step: 'remove-pods', planned: 2 },
  { type: 'item-done', step: 'remove-pods', action: 'stop-container', target: 'f'.repeat(64), outcome: 'done' },
  { type: 'item-failed', step: 'remove-pods', action: 'remove-sandbox', target: 'abc', message: 'CRI said no' },
  { type: 'step-finished', step: 'remove-pods', status: 'partial', durationMs: 1500 },
].map(progressEvent);

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'client', 'progress-interrupt.ts');

const LINES = [
  '▸ remove-pods: 2 actions planned',
  '  ✓ stop-container fffffffffffff done',
  '  ✗ remove-sandbox abc failed: CRI said no',
  '✗ remove-pods partial (1.5 s)',
];

function sink(columns?: number) {
  const chunks: string[] = [];
  return { chunks, columns, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

/**
 * A stand-in terminal: the shape of a tty.WriteStream (isTTY, columns, write, cursorTo,
 * moveCursor, clearLine) that keeps every chunk written and also plays the escape sequences
 * onto a screen of rows, so a test can see what an operator would see.
 */
class FakeTty {
  readonly isTTY = true;
  readonly chunks: string[] = [];
  readonly rows: string[] = [''];
  readonly unknown: string[] = [];
  wrapped = false;
  private row = 0;
  private col = 0;

  constructor(readonly columns: number) {}

  write(s: string): boolean {
    this.chunks.push(s);
    const re = /\x1b\[([0-9;?]*)([A-Za-z])|\x1b[78]|([\s\S])/g;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      if (m[3] !== undefined) this.char(m[3]);
      else if (m[2] !== undefined) this.csi(m[1], m[2]);
      else this.unknown.push(m[0]);
    }
    return true;
  }

  cursorTo(x: number, y?: number): boolean {
    return readline.cursorTo(this as unknown as NodeJS.WritableStream, x, y);
  }

  moveCursor(dx: number, dy: number): boolean {
    return readline.moveCursor(this as unknown as NodeJS.WritableStream, dx, dy);
  }

  clearLine(dir: -1 | 0 | 1): boolean {
    return readline.clearLine(this as unknown as NodeJS.WritableStream, dir);
  }

  text(): string {
    return this.chunks.join('');
  }

  /** The screen as lines, trailing blanks trimmed. */
  screen(): string[] {
    return this.rows.map((r) => r.replace(/ +$/, ''));
  }

  private char(ch: string): void {
    if (ch === '\n') {
      this.row++;
      this.col = 0;
    } else if (ch === '\r') {
      this.col = 0;
    } else {
      if (this.col >= this.columns) this.wrapped = true;
      this.ensure();
      const r = this.rows[this.row].padEnd(this.col);
      this.rows[this.row] = r.slice(0, this.col) + ch + r.slice(this.col + 1);
      this.col++;
    }
    this.ensure();
  }

  private csi(args: string, cmd: string): void {
    const n = args === '' ? undefined : Number(args.split(';')[0]);
    const r = this.rows[this.row] ?? '';
    switch (cmd) {
      case 'm':
        return; // colours: not part of the text
      case 'G':
        this.col = (n ?? 1) - 1;
        return;
      case 'A':
        this.row = Math.max(0, this.row - (n ?? 1));
        return;
      case 'B':
        this.row += n ?? 1;
        this.ensure();
        return;
      case 'C':
        this.col += n ?? 1;
        return;
      case 'D':
        this.col = Math.max(0, this.col - (n ?? 1));
        return;
      case 'K':
        this.rows[this.row] = n === 2 ? '' : n === 1 ? ' '.repeat(this.col) + r.slice(this.col) : r.slice(0, this.col);
        return;
      case 'J':
        if ((n ?? 0) !== 0) break;
        this.rows[this.row] = r.slice(0, this.col);
        this.rows.length = this.row + 1;
        return;
    }
    this.unknown.push(`CSI ${args}${cmd}`);
  }

  private ensure(): void {
    while (this.rows.length <= this.row) this.rows.push('');
  }
}

type Listener = NodeJS.SignalsListener;
/** The one SIGINT listener the progress added (live mode stops the bar on interrupts). */
function addedListener(before: Listener[]): Listener | undefined {
  const added = process.listeners('SIGINT').filter((l) => !before.includes(l));
  return added.length === 1 ? added[0] : undefined;
}

t.test('off a terminal: one plain line per event, no control codes', async (t) => {
  const out = sink();
  const p = new ResetProgress(out, makeStyle(false), { live: false, prefix: '[node1]' });
  for (const ev of EVENTS) p.onEvent(ev);
  p.finish();
  t.same(out.text().split('\n'), [...LINES.map((l) => `[node1] ${l}`), '']);
  t.notOk(out.text().includes('\r'), 'no carriage returns');
  t.notOk(out.text().includes('\x1b'), 'no escape sequences');
});

t.test('off a terminal: no timer, no signal handler', async (t) => {
  const before = process.listeners('SIGINT');
  const out = sink();
  const p = new ResetProgress(out, makeStyle(false), { live: false, tickMs: 5 });
  t.equal(addedListener(before), undefined, 'no SIGINT listener');
  await sleep(30);
  t.same(out.chunks, [], 'nothing drawn while idle');
  p.finish();
});

t.test('the status text: spinner, step, bar of done/planned, failures, elapsed', async (t) => {
  let now = 1000;
  const p = new ResetProgress(sink(), makeStyle(false), { live: false, now: () => now, tickMs: 0 });
  t.match(p.statusText(), /^⠋ working… 0 ms$/);
  p.onEvent(EVENTS[0]);
  p.onEvent(EVENTS[1]);
  now = 3500;
  t.equal(p.statusText(), '⠋ remove-pods ██████████░░░░░░░░░░ 1/2  2.5 s', 'half-full bar for 1 of 2 planned');
  p.onEvent(EVENTS[2]);
  t.match(p.statusText(), /████████████████████ 2\/2 1 failed {2}2\.5 s$/);
  t.equal(p.statusText(20), '⠋ remove-pods █████', 'cut to the width');
  const coloured = new ResetProgress(sink(), makeStyle(true), { live: false, now: () => now, tickMs: 0 });
  coloured.onEvent(EVENTS[0]);
  coloured.onEvent(EVENTS[2]);
  t.match(coloured.statusText(), /\x1b\[31m1 failed\x1b\[39m/, 'failures in red with colour on');
  t.notOk(coloured.statusText(30).includes('\x1b'), 'a cut status line carries no broken colour codes');
});

t.test('on a terminal: cli-progress draws the status line under the action lines and clears it at the end', async (t) => {
  const before = process.listeners('SIGINT');
  const tty = new FakeTty(100);
  let now = 1000;
  const p = new ResetProgress(tty, makeStyle(false), { live: true, now: () => now, tickMs: 0, prefix: '[n1]' });
  t.teardown(() => p.finish());
  t.ok(addedListener(before), 'a SIGINT listener while live');
  t.same(tty.screen(), ['⠋ working… 0 ms'], 'status line shown at once');

  p.onEvent(EVENTS[0]);
  now = 3500;
  p.onEvent(EVENTS[1]);
  t.same(
    tty.screen(),
    [`[n1] ${LINES[0]}`, `[n1] ${LINES[1]}`, '⠋ remove-pods ██████████░░░░░░░░░░ 1/2  2.5 s'],
    'lines above, the bar below',
  );
  p.onEvent(EVENTS[2]);
  t.equal(tty.screen().at(-1), '⠋ remove-pods ████████████████████ 2/2 1 failed  2.5 s', 'bar full, failure counted');
  p.onEvent(EVENTS[3]);
  t.equal(tty.screen().at(-1), '⠋ working… 2.5 s', 'between steps');
  t.match(
    tty.text(),
    /\x1b\[1G⠋ remove-pods ██████████░░░░░░░░░░ 1\/2 {2}2\.5 s\x1b\[0K/,
    'drawn in place by cli-progress (cursor to column 1, clear right)',
  );

  p.finish();
  t.same(tty.screen(), [...LINES.map((l) => `[n1] ${l}`), ''], 'at the end only the action lines remain, the status line is cleared');
  t.ok(tty.text().endsWith('\x1b[0J'), 'the last write clears the status line');
  t.equal(addedListener(before), undefined, 'SIGINT listener removed');
  t.same(tty.unknown, [], 'no escape sequences other than cursor moves, line clears and colours');
  t.notOk(tty.wrapped, 'nothing wrapped');

  const written = tty.chunks.length;
  p.onEvent(progressEvent({ type: 'step-started', step: 'verify', planned: 0 }));
  t.same(tty.chunks.slice(written), ['[n1] ▸ verify: 0 actions planned\n'], 'after finish: plain lines, no status line');
  p.finish();
});

t.test('on a terminal: the spinner turns on its own, and stops with finish()', async (t) => {
  const tty = new FakeTty(80);
  const p = new ResetProgress(tty, makeStyle(false), { live: true, tickMs: 10 });
  t.teardown(() => p.finish());
  p.onEvent(EVENTS[0]);
  await sleep(120);
  const frames = new Set(tty.chunks.map((c) => c.match(/^([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) remove-pods/)?.[1]).filter(Boolean));
  t.ok(frames.size >= 2, `several spinner frames drawn without events (${[...frames].join('')})`);
  p.finish();
  const written = tty.chunks.length;
  await sleep(60);
  t.equal(tty.chunks.length, written, 'no drawing after finish()');
  t.same(tty.screen(), [LINES[0], '']);
});

t.test('on a terminal: the status line fits the sink width, colours only when they fit', async (t) => {
  const narrow = new FakeTty(20);
  const p = new ResetProgress(narrow, makeStyle(true), { live: true, tickMs: 0 });
  t.teardown(() => p.finish());
  p.onEvent(EVENTS[0]);
  p.onEvent(EVENTS[1]);
  t.equal(narrow.screen().at(-1), '⠋ remove-pods █████', 'cut to 19 columns');
  const drawn = narrow.chunks.filter((c) => c.startsWith('⠋'));
  t.ok(drawn.length >= 3 && drawn.every((c) => c.length < 20 && !c.includes('\x1b')), 'every status line drawn fits, without colour codes');
  p.finish();

  const wide = new FakeTty(200);
  const q = new ResetProgress(wide, makeStyle(true), { live: true, tickMs: 0 });
  t.teardown(() => q.finish());
  q.onEvent(EVENTS[0]);
  q.onEvent(EVENTS[2]);
  t.match(wide.text(), /\x1b\[1G⠋ remove-pods █+░* 1\/2 \x1b\[31m1 failed\x1b\[39m/, 'the status line uses the colour style');
  q.finish();
});

t.test('on a terminal: an interrupt clears the status line, then the signal goes on', async (t) => {
  const before = process.listeners('SIGINT');
  const tty = new FakeTty(80);
  const signals: string[] = [];
  const p = new ResetProgress(tty, makeStyle(false), { live: true, tickMs: 0, onSignal: (s) => signals.push(s) });
  t.teardown(() => p.finish());
  p.onEvent(EVENTS[0]);
  t.match(tty.screen().at(-1), /remove-pods ░+ 0\/2/);
  const listener = addedListener(before);
  t.ok(listener, 'listening for SIGINT');
  listener!('SIGINT');
  t.same(signals, ['SIGINT'], 'the signal is passed on');
  t.same(tty.screen(), [LINES[0], ''], 'status line cleared');
  t.equal(addedListener(before), undefined, 'listener removed, so a re-raised signal takes its default course');
  t.notOk(process.listeners('SIGTERM').includes(listener as NodeJS.SignalsListener), 'SIGTERM listener removed too');
});

/** Run the interrupt fixture, send SIGINT once its bar is drawn, and collect what it wrote. */
async function interruptFixture(
  t: Test,
  mode: 'alone' | 'cli',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  // Only the TypeScript loader: tap's NODE_OPTIONS would add its own SIGINT listener
  // (signal-exit), and 'alone' must really be alone. tap re-adds NODE_OPTIONS to the env of
  // every child it sees spawned, hence env(1) to drop it.
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
  const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, ...loader, FIXTURE, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let hung: NodeJS.Timeout | undefined;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!hung && /remove-pods ░{20} 0\/2/.test(stdout)) {
      child.kill('SIGINT');
      // Bounded from the signal on, so a process that swallowed it fails this test instead of
      // hanging it. (Not from the spawn: on a loaded machine the loader alone took over 20 s.)
      hung = setTimeout(() => child.kill('SIGKILL'), 20_000);
    }
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(hung);
  return { code, signal, stdout };
}

t.test('a real SIGINT: the status line is cleared and the process still ends by the signal', async (t) => {
  const r = await interruptFixture(t, 'alone');
  t.equal(r.signal, 'SIGINT', `killed by SIGINT (exit code ${r.code})`);
  t.match(r.stdout, /▸ remove-pods: 2 actions planned\n/);
  t.ok(r.stdout.endsWith('\x1b[1G\x1b[0J'), 'the last thing written clears the status line');
});

t.test('a real SIGINT with a handler like cli.ts: the line is cleared first, then the handler runs', async (t) => {
  const r = await interruptFixture(t, 'cli');
  t.equal(r.code, 130, 'the handler decided the exit code');
  t.ok(r.stdout.endsWith('\x1b[1G\x1b[0J[cli handler]'), 'status line cleared before the handler wrote');
});
