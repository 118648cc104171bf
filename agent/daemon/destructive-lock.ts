// The agent's one destructive lock: only one operation that changes the node runs at a time, and
// a second one is refused at once, not queued (a queued wipe that runs minutes later is a surprise
// nobody wants). The RPC adapter takes it for every destructive call (shared/rpc-policy.ts); the
// sweep engine takes the same lock for a real reset unless its caller already holds it.
import { ksError } from '../shared/errors';

export interface Holding {
  method: string;
  caller: string;
  since: Date;
}

/** The release function acquire() returns; it is also the proof of holding the lock. */
export type Lease = () => void;

export class DestructiveLock {
  private holding: (Holding & { lease: Lease }) | undefined;

  get current(): Holding | undefined {
    if (!this.holding) return undefined;
    const { method, caller, since } = this.holding;
    return { method, caller, since };
  }

  /** Take the lock or throw KS_BUSY naming who holds it. Returns the release function (idempotent). */
  acquire(method: string, caller: string): Lease {
    const h = this.holding;
    if (h) {
      throw ksError(
        'KS_BUSY',
        `${method}: ${h.method} by ${h.caller} is running since ${h.since.toISOString()}; try again when it is done`,
        {
          running: h.method,
          by: h.caller,
          since: h.since.toISOString(),
        },
      );
    }
    const lease: Lease = () => {
      if (this.holding?.lease === lease) this.holding = undefined;
    };
    this.holding = { method, caller, since: new Date(), lease };
    return lease;
  }

  /** True while `lease` is the lock's current holder (a released lease no longer is). */
  holds(lease: Lease | undefined): boolean {
    return lease !== undefined && this.holding?.lease === lease;
  }
}
