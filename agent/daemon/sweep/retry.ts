// Retries for CRI calls: a call that fails transiently (a deadline while containerd is busy,
// containerd restarting) is tried again with exponential backoff. (Bounded concurrency is
// shared/pool.ts.)
import { isKubesweepError } from '../../shared/errors';

export interface RetryOptions {
  retries: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Which errors are worth retrying (default: CRI deadline, unavailable, call failed). */
  retryable?: (err: unknown) => boolean;
  onRetry?: (attempt: number, err: unknown) => void;
}

export function isTransientCriError(err: unknown): boolean {
  return (
    isKubesweepError(err, 'KS_CRI_DEADLINE') || isKubesweepError(err, 'KS_CRI_CALL_FAILED') || isKubesweepError(err, 'KS_CRI_UNAVAILABLE')
  );
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** (attempt - 1));
}

/** Call `fn`; on a retryable error try again up to `retries` more times, with backoff. */
export async function withRetry<R>(fn: (attempt: number) => Promise<R>, opts: RetryOptions): Promise<R> {
  const retryable = opts.retryable ?? isTransientCriError;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.retries || !retryable(err) || opts.signal?.aborted) throw err;
      opts.onRetry?.(attempt + 1, err);
      await new Promise((r) => setTimeout(r, backoffDelay(attempt + 1, opts.baseDelayMs ?? 200, opts.maxDelayMs ?? 5000)));
    }
  }
}
