// What a flood of read calls may cost the agent. Reads (port reports, checks, inventory, info,
// dry runs) are admitted while fewer than a configured number are in flight and while the
// process's resident memory is under a configured bound; beyond either, the call is refused at
// once with KS_RESOURCE_EXHAUSTED (gRPC RESOURCE_EXHAUSTED, HTTP 429) instead of queueing work
// and memory. Destructive calls are never refused here: they are one at a time already (the
// lock), and a flood of reads must not be able to stop the reset an operator started.
// Concurrent identical reads share one computation (coalesce), so even admitted reads cost one
// /proc scan, not one each.
import { ksError } from '../../shared/errors';

export interface ReadLimits {
  /** Read calls in flight at once, per surface (gRPC: all transports together; HTTP). */
  maxInflight: number;
  /** Above this resident set size, reads are refused until it drops. */
  maxRssBytes: number;
}

// The agent passes its configured limits (maxReadCalls, httpMaxRequests, maxMemoryMiB); these
// stand in when a server is built without them (tests), whose process's memory is not the
// agent's, so they bound calls only.
export const DEFAULT_GRPC_READ_LIMITS: ReadLimits = Object.freeze({ maxInflight: 32, maxRssBytes: Infinity });
export const DEFAULT_HTTP_READ_LIMITS: ReadLimits = Object.freeze({ maxInflight: 8, maxRssBytes: Infinity });
/** Open HTTP connections at once; more are closed by the kernel-facing server at accept. */
export const DEFAULT_HTTP_MAX_CONNECTIONS = 1024;

export class ReadAdmission {
  private inflightNow = 0;
  private refusedTotal = 0;

  constructor(
    readonly surface: string,
    private readonly limits: ReadLimits,
    private readonly rss: () => number = () => process.memoryUsage.rss(),
  ) {}

  get inflight(): number {
    return this.inflightNow;
  }

  get refused(): number {
    return this.refusedTotal;
  }

  /** Admit one read; call the returned function exactly once when it is done. */
  admit(what: string): () => void {
    if (this.inflightNow >= this.limits.maxInflight) {
      this.refusedTotal++;
      throw ksError(
        'KS_RESOURCE_EXHAUSTED',
        `${what}: ${this.inflightNow} read calls already in flight on ${this.surface} (limit ${this.limits.maxInflight}); retry shortly`,
        {
          limit: 'inflight',
          max: this.limits.maxInflight,
        },
      );
    }
    const rss = this.rss();
    if (rss > this.limits.maxRssBytes) {
      this.refusedTotal++;
      throw ksError(
        'KS_RESOURCE_EXHAUSTED',
        `${what}: the agent uses ${mib(rss)} MiB, over its bound of ${mib(this.limits.maxRssBytes)} MiB; retry shortly`,
        {
          limit: 'memory',
          rssBytes: rss,
          max: this.limits.maxRssBytes,
        },
      );
    }
    this.inflightNow++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inflightNow--;
    };
  }
}

function mib(b: number): number {
  return Math.round(b / 1048576);
}

/**
 * Calls with the same key while one is running share its promise; the next call after it
 * settles starts afresh (nothing is cached beyond the flight). Results are shared: callers
 * must treat them as read-only (the converters copy).
 */
export function coalesce<A extends unknown[], R>(fn: (...args: A) => Promise<R>, key: (...args: A) => string): (...args: A) => Promise<R> {
  const flights = new Map<string, Promise<R>>();
  return (...args: A) => {
    const k = key(...args);
    const running = flights.get(k);
    if (running) return running;
    const p = fn(...args).finally(() => flights.delete(k));
    flights.set(k, p);
    return p;
  };
}
