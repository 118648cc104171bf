// Bounded concurrency, the one implementation: the engine's CRI calls, the pod listing, and the
// client's fan-out to agents all go through it.
//
// Why the engine bounds its CRI calls, and not by the core count: teardown calls mostly wait —
// on runc, on CNI plugins, on shims exiting — so more calls in flight than cores keeps
// containerd busy; measured on 2 cores, 4 in flight was 1.1–1.5x slower than unbounded and 16
// matched it (DEFAULT_PARALLELISM in daemon/options.ts; scripts/bench/reset.ts). The bound is
// there so that on a node with hundreds of pods the calls beyond it wait in our queue, where no
// deadline runs, instead of in containerd, where each one's deadline (criTimeoutMs) would.

/** At most `limit` calls of run() in flight; the others wait, first come first served. */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  readonly limit: number;

  constructor(limit: number) {
    this.limit = Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 1;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter (it does not count itself in again).
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const pool = new Limiter(limit);
  return Promise.all(items.map((item, i) => pool.run(() => fn(item, i))));
}
