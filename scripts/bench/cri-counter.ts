// Counts the CRI calls a piece of code makes, by RPC, with the time spent waiting on each: the
// reset bench wraps the engine's CriClient in it to show where a reset's calls go (per pod),
// the load-independent half of "where does the time go".
import type { CriClient } from '../../agent/daemon/cri/client';

export interface RpcTally {
  calls: number;
  /** Sum of the calls' own durations (they overlap: this is not wall time). */
  busyMs: number;
}

export interface CountingCri {
  cri: CriClient;
  tally: Map<string, RpcTally>;
  reset(): void;
}

/** A CriClient that records every RPC it sends (its private `call` is the one place they pass). */
export function countingCri(inner: CriClient): CountingCri {
  const tally = new Map<string, RpcTally>();
  const cri = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'call' || typeof v !== 'function') return v;
      return async (rpc: string, ...rest: unknown[]) => {
        const t = tally.get(rpc) ?? { calls: 0, busyMs: 0 };
        tally.set(rpc, t);
        t.calls++;
        const t0 = performance.now();
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).call(receiver, rpc, ...rest);
        } finally {
          t.busyMs += performance.now() - t0;
        }
      };
    },
  });
  return { cri, tally, reset: () => tally.clear() };
}

/** `StopPodSandbox 60 (1.00/pod, 41.2 s busy)`, one RPC a line part, and the total per pod. */
export function formatTally(tally: Map<string, RpcTally>, pods: number): string {
  const rows = [...tally.entries()].sort((a, b) => b[1].calls - a[1].calls);
  const total = rows.reduce((n, [, t]) => n + t.calls, 0);
  const parts = rows.map(([rpc, t]) => `${rpc} ${t.calls} (${(t.calls / pods).toFixed(2)}/pod, ${(t.busyMs / 1000).toFixed(1)} s busy)`);
  return `${total} CRI calls = ${(total / pods).toFixed(2)}/pod: ${parts.join(', ')}`;
}
