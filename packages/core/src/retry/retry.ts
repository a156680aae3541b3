import { type Backoff, backoffDelay } from './backoff';

/** What {@link RetryPolicy.onRetry} is told before each wait. */
export interface RetryInfo {
  /** The attempt that just failed (1 for the first). */
  attempt: number;
  /** The wait before the next attempt. */
  delayMs: number;
  /** Why the failure is worth another attempt ({@link RetryPolicy.transientReason}). */
  reason: string;
  error: unknown;
}

/** When {@link retry} tries again, how long it waits, and when it stops. */
export interface RetryPolicy extends Backoff {
  /**
   * No retry starts whose wait would end later than this after the first attempt began:
   * {@link RetryDeadlineError} instead. @default none: retry until success, a permanent
   * failure or the signal
   */
  deadlineMs?: number;
  /**
   * Why `error` is transient, in a few words for logs ("ECONNREFUSED", "UNAVAILABLE: …"), or
   * undefined when retrying cannot help: the error is then thrown as is, at once.
   * @default every error is transient; its message is the reason
   */
  transientReason?: (error: unknown) => string | undefined;
  /** Told about each retry before its wait: where a waiting process logs its line. */
  onRetry?: (info: RetryInfo) => void;
  /**
   * Stops the retrying: a wait in progress ends at once, a failure after the abort is not
   * retried. The attempt in progress is never interrupted (an operation that must stop takes
   * the signal itself), and the first attempt always runs.
   */
  signal?: AbortSignal;
  /** What is thrown when `signal` stops the retrying. @default the signal's reason, as `signal.throwIfAborted()` does */
  abortError?: (lastError: unknown) => unknown;
}

/** The clock, timer and randomness {@link retry} uses; tests pass fakes. */
export interface RetryClock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1), for the jitter. */
  random(): number;
}

/** Thrown by {@link retry} when a transient failure outlasts the policy's deadline. */
export class RetryDeadlineError extends Error {
  override readonly name = 'RetryDeadlineError';
  constructor(
    readonly lastError: unknown,
    readonly reason: string,
    readonly attempts: number,
    readonly elapsedMs: number,
  ) {
    super(`still failing (${reason}) after ${attempts} attempts in ${(elapsedMs / 1000).toFixed(1)} s`);
  }
}

/** Waits `ms`, or less: resolves as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

const realClock: RetryClock = { now: () => performance.now(), sleep, random: Math.random };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs `operation` until it succeeds, fails permanently (rethrown as is), outlasts the
 * deadline ({@link RetryDeadlineError}) or is stopped by the signal. Only for operations that
 * may run twice: an attempt may have taken effect before its error arrived.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy, clock: Partial<RetryClock> = {}): Promise<T> {
  const { now, sleep, random } = { ...realClock, ...clock };
  const { signal, deadlineMs, onRetry, transientReason = messageOf } = policy;
  const aborted = (lastError: unknown): unknown => (policy.abortError ? policy.abortError(lastError) : signal?.reason);
  const start = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const reason = transientReason(error);
      if (reason === undefined) throw error;
      if (signal?.aborted) throw aborted(error);
      const delayMs = backoffDelay(attempt, policy, random);
      const elapsedMs = now() - start;
      if (deadlineMs !== undefined && elapsedMs + delayMs > deadlineMs) throw new RetryDeadlineError(error, reason, attempt, elapsedMs);
      onRetry?.({ attempt, delayMs, reason, error });
      await sleep(delayMs, signal);
      if (signal?.aborted) throw aborted(error);
    }
  }
}
