// Live progress of a streaming reset: one line per action as it happens. On a terminal a status
// line (spinner, the current step's bar, done/planned, elapsed time) stays at the bottom; it is
// drawn by cli-progress (a MultiBar with one bar), and the action lines go through
// MultiBar.log() so that they are printed above it instead of fighting with it. Off a terminal
// cli-progress is not used at all: only the plain lines are written, so logs and CI output stay
// readable and byte-for-byte stable.
import { Writable } from 'node:stream';
import { Format, MultiBar, type Params, type SingleBar } from 'cli-progress';
import type { Out } from '../shared/api-types';
import { makeStyle, seconds, shortId, Style, type Colors } from './style';

export interface ProgressSink {
  write(s: string): unknown;
  columns?: number;
}

export interface ProgressOptions {
  /** Draw the live status line (stdout is a TTY). */
  live: boolean;
  /** Prefix for every line (the node name in a fan-out). */
  prefix?: string;
  now?: () => number;
  /** Spinner frame interval; 0 = redraw only on events (tests). */
  tickMs?: number;
  /**
   * What to do after the status line has been cleared on SIGINT/SIGTERM (live mode only).
   * Default: if nobody else listens for the signal (kubesweep's cli.ts does, for SIGINT), raise
   * it again, so the process ends exactly as it would have without us.
   */
  onSignal?: (signal: NodeJS.Signals) => void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 20;
/** cli-progress's own bar renderer, fed the options it expects (pre-rendered fill strings). */
const BAR_OPTIONS = {
  barsize: BAR_WIDTH,
  barGlue: '',
  barCompleteString: '█'.repeat(BAR_WIDTH + 1),
  barIncompleteString: '░'.repeat(BAR_WIDTH + 1),
};
/** Longest timeout Node accepts; "no periodic redraw" for tickMs 0. */
const NEVER_MS = 2 ** 31 - 1;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const PLAIN = makeStyle(false).c;

/**
 * The stream cli-progress writes to. cli-progress reads only `isTTY` and `columns` and calls
 * `write` (its cursor moves and line clears go through node:readline, which writes the escape
 * sequences with `stream.write`). Writes pass straight through to the sink, synchronously, so
 * the order with the caller's own writes is kept. It says isTTY because the caller asked for
 * live output; `columns` is read on every draw, so a resized terminal is honoured.
 */
class SinkStream extends Writable {
  readonly isTTY = true;

  constructor(private readonly sink: ProgressSink) {
    super({ decodeStrings: false });
  }

  get columns(): number | undefined {
    return this.sink.columns;
  }

  override _write(chunk: unknown, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.sink.write(typeof chunk === 'string' ? chunk : String(chunk));
    done();
  }
}

interface Live {
  multibar: MultiBar;
  bar: SingleBar;
  onSignal: (signal: NodeJS.Signals) => void;
}

export class ResetProgress {
  private step = '';
  private planned = 0;
  private doneInStep = 0;
  private failedTotal = 0;
  private live: Live | undefined;
  private readonly started: number;
  private readonly now: () => number;
  private readonly tickMs: number;

  constructor(
    private readonly out: ProgressSink,
    private readonly style: Style,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    this.tickMs = opts.tickMs ?? 100;
    if (opts.live) this.live = this.startLive();
  }

  private startLive(): Live {
    const multibar = new MultiBar({
      stream: new SinkStream(this.out),
      // Off a terminal we never create the MultiBar; if it ever saw a non-TTY stream it must
      // print nothing rather than its periodic notty snapshots.
      noTTYOutput: false,
      fps: 1000 / (this.tickMs > 0 ? this.tickMs : NEVER_MS),
      format: (_options, params) => this.statusLine(params),
      // The log lines overwrite the bar's row, so the bar must be redrawn even when its text did
      // not change.
      forceRedraw: true,
      clearOnComplete: true,
      // Leave the terminal's modes alone (no cursor hiding, no DECAWM switch; `null` would mean
      // cli-progress's default, which switches wrapping off) so an abrupt end cannot leave the
      // terminal broken. `true` only trims the bar to the width, and fit() already did that.
      hideCursor: false,
      linewrap: true,
      // cli-progress's gracefulExit adds a SIGINT listener that only stops the bar, which takes
      // away Node's default exit: the first Ctrl-C would be swallowed. We clear the line first
      // and then let the signal have its usual effect (onSignal, below).
      gracefulExit: false,
      emptyOnZero: true,
    });
    // MultiBar re-arms a plain setTimeout for every frame; like the old spinner timer it must
    // not keep the process alive on its own.
    const unrefTimer = () => (multibar as unknown as { timer?: NodeJS.Timeout | null }).timer?.unref?.();
    multibar.on('start', unrefTimer);
    multibar.on('update-post', unrefTimer);
    // Prepended, so the status line is gone before another listener prints its message (cli.ts
    // says that the agent finishes the reset) or exits. When we were the only listener, Node's
    // default action was cancelled by our listening: raise the signal again once we are gone.
    // (Going first also matters with signal-exit style listeners, which re-raise only when they
    // see themselves alone: after us, both would wait for the other and the process would live.)
    const onSignal = (signal: NodeJS.Signals) => {
      this.finish();
      if (this.opts.onSignal) this.opts.onSignal(signal);
      else if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    for (const s of SIGNALS) process.prependListener(s, onSignal);
    const bar = multibar.create(0, 0);
    multibar.update();
    return { multibar, bar, onSignal };
  }

  /** Feed one event from the agent's stream. */
  onEvent(ev: Out<'Progress'>): void {
    const { c, sym } = this.style;
    switch (ev.type) {
      case 'step-started':
        this.step = ev.step;
        this.planned = ev.planned;
        this.doneInStep = 0;
        this.live?.bar.setTotal(ev.planned);
        this.live?.bar.update(0);
        this.line(`${c.cyan(sym.step)} ${c.bold(ev.step)}: ${ev.planned} action${ev.planned === 1 ? '' : 's'} planned`);
        break;
      case 'item-done': {
        this.doneInStep++;
        this.live?.bar.update(this.doneInStep);
        const mark =
          ev.outcome === 'failed'
            ? c.red(sym.fail)
            : ev.outcome === 'skipped' || ev.outcome === 'planned'
              ? c.dim(sym.dot)
              : c.green(sym.ok);
        this.line(`  ${mark} ${ev.action} ${shortId(ev.target)} ${c.dim(ev.outcome)}${ev.message ? ` — ${ev.message}` : ''}`);
        break;
      }
      case 'item-failed':
        this.doneInStep++;
        this.failedTotal++;
        this.live?.bar.update(this.doneInStep);
        this.line(`  ${c.red(sym.fail)} ${ev.action} ${shortId(ev.target)} ${c.red('failed')}: ${ev.message}`);
        break;
      case 'step-finished': {
        const st =
          ev.status === 'ok'
            ? c.green(ev.status)
            : ev.status === 'skipped'
              ? c.dim(ev.status)
              : ev.status === 'partial'
                ? c.yellow(ev.status)
                : c.red(ev.status);
        this.step = '';
        this.live?.bar.update(0);
        this.line(
          `${ev.status === 'ok' || ev.status === 'skipped' ? c.green(sym.ok) : c.red(sym.fail)} ${ev.step} ${st} (${seconds(ev.durationMs)})`,
        );
        break;
      }
    }
  }

  /** Stop the status line (clearing it) and its timer; later lines are written plainly. */
  finish(): void {
    const live = this.live;
    if (!live) return;
    this.live = undefined;
    for (const s of SIGNALS) process.removeListener(s, live.onSignal);
    live.multibar.stop();
  }

  private line(text: string): void {
    const line = `${this.opts.prefix ? `${this.opts.prefix} ` : ''}${text}\n`;
    if (!this.live) {
      this.out.write(line);
      return;
    }
    // Printed at once (not at the next frame), above the status line, which is redrawn below.
    this.live.multibar.log(line);
    this.live.multibar.update();
  }

  /** The bottom line: spinner, step, bar of the step's planned actions, failures, elapsed. */
  statusText(width?: number): string {
    const total = Math.max(this.planned, this.doneInStep, 1);
    return this.fit((c) => this.compose(c, Math.min(this.doneInStep, total) / total), width);
  }

  /** cli-progress's format callback: the bar's own progress, fitted to the terminal width. */
  private statusLine(params: Params): string {
    return this.fit((c) => this.compose(c, params.progress), params.maxWidth);
  }

  private compose(c: Colors, progress: number): string {
    const elapsedMs = this.now() - this.started;
    const frame = FRAMES[this.tickMs > 0 ? Math.floor(elapsedMs / this.tickMs) % FRAMES.length : 0];
    const elapsed = seconds(elapsedMs);
    if (!this.step) return `${frame} working… ${elapsed}`;
    const bar = Format.BarFormat(progress, BAR_OPTIONS);
    const failed = this.failedTotal ? ` ${c.red(`${this.failedTotal} failed`)}` : '';
    return `${frame} ${this.step} ${bar} ${this.doneInStep}/${this.planned}${failed}  ${elapsed}`;
  }

  /**
   * Fit the status text into `width - 1` columns (the last column would make some terminals
   * wrap). The colour codes count too (cli-progress trims by string length), so a narrow
   * terminal gets the text without colour, cut.
   */
  private fit(render: (c: Colors) => string, width: number | undefined): string {
    const coloured = render(this.style.c);
    if (width === undefined || coloured.length < width) return coloured;
    const plain = render(PLAIN);
    return plain.length < width ? plain : plain.slice(0, Math.max(0, width - 1));
  }
}
