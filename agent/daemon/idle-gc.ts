// A full garbage collection once the agent has gone quiet after a burst of work.
//
// Why: the agent idles between resets, but V8 keeps the heap that start-up, a reset or a run of
// reads grew, and collects it again only under allocation pressure — which an idle agent never
// makes. Measured (npm layout, Node 20, docs/development.md "Idle memory"): after start-up the
// heap holds ≈ 2 MiB of garbage (14.1 → 12.2 MiB used after one full collection), but one
// collection leaves the RSS where it was (the freed objects sit in pages still in use); a few in
// a row also age out run-once bytecode and compact, and the RSS falls 1.3 MiB idle and ≈ 2 MiB
// after a burst of reads (4 and 8 collections: the same). The check costs one /proc read and
// the loop's utilization a period; the collections ≈ 10–20 ms of CPU once a burst is over.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type pino from 'pino';

export interface IdleGcSample {
  /** The process's resident set now. */
  rssBytes: number;
  /** The event loop's utilization (0–1) since the previous sample. */
  busy: number;
  /** A destructive operation (reset, step) is running: never collect in its middle. */
  operationRunning: boolean;
}

export interface IdleGcPolicy {
  /** Collect only when the RSS grew at least this much since the last collection. */
  growthBytes: number;
  /** … and the loop was at most this busy over the last period. */
  maxBusy: number;
}

export const IDLE_GC_POLICY: IdleGcPolicy = Object.freeze({ growthBytes: 1024 * 1024, maxBusy: 0.05 });
export const IDLE_GC_PERIOD_MS = 1000;
/** Full collections in a row once quiet (see above: one does not shrink the heap). */
export const IDLE_GC_COLLECTIONS = 4;

/** Pure: whether a quiet agent that grew since `baselineBytes` should collect now. */
export function shouldCollect(s: IdleGcSample, baselineBytes: number, policy: IdleGcPolicy = IDLE_GC_POLICY): boolean {
  return !s.operationRunning && s.busy <= policy.maxBusy && s.rssBytes - baselineBytes >= policy.growthBytes;
}

/**
 * V8's full collection as a function, without starting node with --expose-gc (the single file's
 * execArgv is fixed at build time with its code cache). The flag only installs `gc` into
 * contexts made after it is set, hence the new context.
 */
export function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export interface IdleGcOptions {
  gc: () => void;
  sample: () => IdleGcSample;
  policy?: IdleGcPolicy;
  collectionsInARow?: number;
  log?: pino.Logger;
}

export class IdleGc {
  private baseline: number;
  private timer: NodeJS.Timeout | undefined;
  collections = 0;

  constructor(private readonly o: IdleGcOptions) {
    // Zero: the first quiet period after start-up collects what loading left behind.
    this.baseline = 0;
  }

  /** One period: collect if the agent is quiet and grew; true when it collected. */
  tick(): boolean {
    const s = this.o.sample();
    if (!shouldCollect(s, this.baseline, this.o.policy)) return false;
    for (let i = 0; i < (this.o.collectionsInARow ?? IDLE_GC_COLLECTIONS); i++) this.o.gc();
    this.collections++;
    this.baseline = this.o.sample().rssBytes;
    this.o.log?.debug(
      { rssBeforeMiB: +(s.rssBytes / 1048576).toFixed(1), rssAfterMiB: +(this.baseline / 1048576).toFixed(1) },
      'idle collection',
    );
    return true;
  }

  start(periodMs = IDLE_GC_PERIOD_MS): void {
    this.timer ??= setInterval(() => this.tick(), periodMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The agent's idle collector: the real gc, the process's RSS and loop utilization. */
export function startIdleGc(operationRunning: () => boolean, log?: pino.Logger): IdleGc {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const sample = (): IdleGcSample => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return { rssBytes: process.memoryUsage.rss(), busy, operationRunning: operationRunning() };
  };
  const idle = new IdleGc({ gc: exposeGc(), sample, log });
  idle.start();
  return idle;
}
