import { describe, expect, it, vi } from 'vitest';
import { retry, RetryDeadlineError, type RetryClock, type RetryInfo } from './retry';

/** A fake clock: sleeping advances time at once, unless the signal has aborted. */
function fakeClock(): RetryClock & { t: number; sleeps: number[] } {
  const clock = {
    t: 0,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      clock.sleeps.push(ms);
      if (!signal?.aborted) clock.t += ms;
    },
    random: () => 0.5,
  };
  return clock;
}

const exact = { initialDelayMs: 1_000, maxDelayMs: 15_000, jitter: 'none' } as const;

/** An operation failing `failures` times with `error`, then returning 'ok'. */
function failing(failures: number, error: unknown = new Error('connect ECONNREFUSED')): { run: (attempt: number) => Promise<string>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    run: async (attempt) => {
      attempts.push(attempt);
      if (attempt <= failures) throw error;
      return 'ok';
    },
  };
}

describe('retry', () => {
  it('waits 1 s doubling to 15 s, telling onRetry each wait with the failure message', async () => {
    const clock = fakeClock();
    const op = failing(6);
    const retries: RetryInfo[] = [];
    expect(await retry(op.run, { ...exact, onRetry: (info) => retries.push(info) }, clock)).toBe('ok');
    expect(op.attempts).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    expect(retries.map((r) => [r.attempt, r.delayMs, r.reason])).toEqual(clock.sleeps.map((ms, i) => [i + 1, ms, 'connect ECONNREFUSED']));
  });

  it('rethrows an error transientReason refuses, at once', async () => {
    const clock = fakeClock();
    const denied = new Error('denied');
    const op = failing(3, denied);
    await expect(retry(op.run, { ...exact, transientReason: () => undefined }, clock)).rejects.toBe(denied);
    expect(op.attempts).toEqual([1]);
    expect(clock.sleeps).toEqual([]);
  });

  it('stops before a wait would cross the deadline', async () => {
    const clock = fakeClock();
    const op = failing(100);
    const err = await retry(op.run, { initialDelayMs: 100, maxDelayMs: 1_000, deadlineMs: 5_000, transientReason: () => 'HTTP 503' }, clock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryDeadlineError);
    expect(err).toMatchObject({ reason: 'HTTP 503', attempts: 10, elapsedMs: 4_875, message: 'still failing (HTTP 503) after 10 attempts in 4.9 s' });
  });

  it('ends a wait when the signal aborts, with its reason or the abortError', async () => {
    const abort = new AbortController();
    const op = failing(100);
    const stopped = retry(op.run, { ...exact, signal: abort.signal, onRetry: () => abort.abort(new Error('closing')) }, fakeClock());
    await expect(stopped).rejects.toThrow('closing');
    expect(op.attempts).toEqual([1]);

    const again = failing(100);
    const closing = new AbortController();
    const policy = { ...exact, signal: closing.signal, onRetry: () => closing.abort(), abortError: (last: unknown) => new Error(`stopped after ${String(last)}`) };
    await expect(retry(again.run, policy, fakeClock())).rejects.toThrow('stopped after Error: connect ECONNREFUSED');
  });

  it('always runs the first attempt, and retries nothing once aborted', async () => {
    const abort = new AbortController();
    abort.abort(new Error('closed'));
    expect(await retry(failing(0).run, { ...exact, signal: abort.signal }, fakeClock())).toBe('ok');
    const op = failing(1);
    const clock = fakeClock();
    await expect(retry(op.run, { ...exact, signal: abort.signal }, clock)).rejects.toThrow('closed');
    expect(op.attempts).toEqual([1]);
    expect(clock.sleeps).toEqual([]);
  });

  it('sleeps on a timer that an abort clears at once', async () => {
    vi.useFakeTimers();
    try {
      const abort = new AbortController();
      // Aborted just after the wait began: were the timer not cut short, this would never settle (time is frozen).
      const onRetry = () => queueMicrotask(() => abort.abort(new Error('bye')));
      const stopped = retry(failing(100).run, { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'none', signal: abort.signal, onRetry });
      await expect(stopped).rejects.toThrow('bye');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
