// The guard in front of every destructive call: the caller must name this node, and only one
// destructive operation runs at a time (a second one is refused at once, not queued: a queued
// wipe that runs minutes later is a surprise nobody wants).
import { ksError } from '../../shared/errors';
import { terminalSafe } from '../../shared/terminal-safe';

export function checkConfirmNode(confirmNode: string, nodeName: string, method: string): void {
  if (confirmNode !== nodeName) {
    throw ksError(
      'KS_CONFIRM_MISMATCH',
      confirmNode === '' ? `${method}: confirm_node is required and must be this node's name` : `${method}: confirm_node "${terminalSafe(confirmNode)}" is not this node (this agent runs on "${terminalSafe(nodeName)}")`,
      {
        // Echoed in the answer and the log: shown escaped, never as the caller's raw bytes.
        confirmNode: terminalSafe(confirmNode),
        nodeName,
      },
    );
  }
}

export interface Holding {
  method: string;
  caller: string;
  since: Date;
}

export class DestructiveLock {
  private holding: Holding | undefined;

  get current(): Holding | undefined {
    return this.holding;
  }

  /** Take the lock or throw KS_BUSY naming who holds it. Returns the release function (idempotent). */
  acquire(method: string, caller: string): () => void {
    const h = this.holding;
    if (h) {
      throw ksError('KS_BUSY', `${method}: ${h.method} by ${h.caller} is running since ${h.since.toISOString()}; try again when it is done`, {
        running: h.method,
        by: h.caller,
        since: h.since.toISOString(),
      });
    }
    const mine: Holding = { method, caller, since: new Date() };
    this.holding = mine;
    return () => {
      if (this.holding === mine) this.holding = undefined;
    };
  }
}
