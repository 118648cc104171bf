// Live progress of a streaming reset: one line per action as it happens; on a terminal also a
// status line at the bottom (spinner, the current step's bar, elapsed time) that is redrawn in
// place. Off a terminal only the plain lines are written, so logs and CI output stay readable.
import type { ProgressEvent } from '../sweep/types';
import { seconds, shortId, Style } from './style';

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
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 20;

export class ResetProgress {
  private step = '';
  private planned = 0;
  private doneInStep = 0;
  private failedTotal = 0;
  private frame = 0;
  private statusShown = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly started: number;
  private readonly now: () => number;

  constructor(
    private readonly out: ProgressSink,
    private readonly style: Style,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    const tick = opts.tickMs ?? 100;
    if (opts.live && tick > 0) {
      this.timer = setInterval(() => {
        this.frame = (this.frame + 1) % FRAMES.length;
        this.drawStatus();
      }, tick);
      this.timer.unref();
    }
  }

  /** Feed one event from the agent's stream. */
  onEvent(ev: ProgressEvent): void {
    const { c, sym } = this.style;
    switch (ev.type) {
      case 'step-started':
        this.step = ev.step;
        this.planned = ev.planned;
        this.doneInStep = 0;
        this.line(`${c.cyan(sym.step)} ${c.bold(ev.step)}: ${ev.planned} action${ev.planned === 1 ? '' : 's'} planned`);
        break;
      case 'item-done': {
        this.doneInStep++;
        const mark = ev.outcome === 'failed' ? c.red(sym.fail) : ev.outcome === 'skipped' || ev.outcome === 'planned' ? c.dim(sym.dot) : c.green(sym.ok);
        this.line(`  ${mark} ${ev.action} ${shortId(ev.target)} ${c.dim(ev.outcome)}${ev.message ? ` — ${ev.message}` : ''}`);
        break;
      }
      case 'item-failed':
        this.doneInStep++;
        this.failedTotal++;
        this.line(`  ${c.red(sym.fail)} ${ev.action} ${shortId(ev.target)} ${c.red('failed')}: ${ev.message}`);
        break;
      case 'step-finished': {
        const st = ev.status === 'ok' ? c.green(ev.status) : ev.status === 'skipped' ? c.dim(ev.status) : ev.status === 'partial' ? c.yellow(ev.status) : c.red(ev.status);
        this.line(`${ev.status === 'ok' || ev.status === 'skipped' ? c.green(sym.ok) : c.red(sym.fail)} ${ev.step} ${st} (${seconds(ev.durationMs)})`);
        this.step = '';
        break;
      }
    }
  }

  /** Stop the spinner and clear the status line. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearStatus();
  }

  private line(text: string): void {
    this.clearStatus();
    this.out.write(`${this.opts.prefix ? `${this.opts.prefix} ` : ''}${text}\n`);
    this.drawStatus();
  }

  /** The bottom line: spinner, step, bar of the step's planned actions, failures, elapsed. */
  statusText(): string {
    const elapsed = seconds(this.now() - this.started);
    if (!this.step) return `${FRAMES[this.frame]} working… ${elapsed}`;
    const total = Math.max(this.planned, this.doneInStep, 1);
    const filled = Math.round((Math.min(this.doneInStep, total) / total) * BAR_WIDTH);
    const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
    const failed = this.failedTotal ? ` ${this.style.c.red(`${this.failedTotal} failed`)}` : '';
    return `${FRAMES[this.frame]} ${this.step} ${bar} ${this.doneInStep}/${this.planned}${failed}  ${elapsed}`;
  }

  private drawStatus(): void {
    if (!this.opts.live) return;
    const text = this.statusText();
    const width = this.out.columns ?? 80;
    this.out.write(`\r\x1b[2K${text.length > width ? text.slice(0, width - 1) : text}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.out.write('\r\x1b[2K');
    this.statusShown = false;
  }
}
