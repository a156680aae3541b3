import { RetryDeadlineError } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { compileRetryOptions, transientReason, withRetry, type RetryEnvironment } from './retry-policy';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('transientReason', () => {
  it.each([
    [withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9000'), 'ECONNREFUSED'],
    [withCode('ECONNRESET', 'socket hang up'), 'ECONNRESET'],
    [withCode('ETIMEDOUT'), 'ETIMEDOUT'],
    [withCode('SlowDown', 'Please reduce your request rate.'), 'SlowDown'],
    [withCode('XMinioServerNotInitialized'), 'XMinioServerNotInitialized'],
    [new Error('Request failed after 0 retries: Error: Retryable HTTP status: 503'), 'HTTP 503'],
    [new Error('Request failed after 0 retries: Error: Retryable HTTP status: 500'), 'HTTP 500'],
    [new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), 'ECONNREFUSED'],
    [new Error('wrapped', { cause: withCode('EPIPE') }), 'EPIPE'],
  ])('retries %s', (err, reason) => {
    expect(transientReason(err)).toBe(reason);
  });

  it.each([
    withCode('AccessDenied'),
    withCode('InvalidAccessKeyId'),
    withCode('SignatureDoesNotMatch'),
    withCode('NoSuchBucket'),
    withCode('NoSuchKey'),
    withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND minio.typo'),
    new Error('Retryable HTTP status: 501'), // not in the set: Not Implemented stays so
    new TypeError('x is not a function'),
    'a string',
    undefined,
  ])('does not retry %s', (err) => {
    expect(transientReason(err)).toBeUndefined();
  });
});

describe('compileRetryOptions', () => {
  it('fills in the documented defaults and refuses negative values', () => {
    expect(compileRetryOptions()).toEqual({ deadlineMs: 30_000, initialDelayMs: 100, maxDelayMs: 2_000 });
    expect(() => compileRetryOptions({ deadlineMs: -1 })).toThrow('retry.deadlineMs must be a non-negative number');
  });
});

/** A fake clock: sleeping advances time instantly. */
function fakeEnvironment(): RetryEnvironment & { t: number; sleeps: number[] } {
  const env = {
    t: 0,
    sleeps: [] as number[],
    now: () => env.t,
    sleep: async (ms: number) => {
      env.sleeps.push(ms);
      env.t += ms;
    },
    random: () => 0.5,
  };
  return env;
}

describe('withRetry', () => {
  const options = compileRetryOptions({ deadlineMs: 5_000, initialDelayMs: 100, maxDelayMs: 1_000 });

  it('retries transient failures with growing backoff until the operation succeeds', async () => {
    const env = fakeEnvironment();
    const attempts: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 4) throw withCode('ECONNREFUSED');
        return 'stored';
      },
      options,
      env,
    );
    expect(result).toBe('stored');
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(env.sleeps).toEqual([75, 150, 300]);
  });

  it('rethrows a non-transient error at once, without sleeping', async () => {
    const env = fakeEnvironment();
    const denied = withCode('AccessDenied');
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls++;
        throw denied;
      },
      options,
      env,
    );
    await expect(failing).rejects.toBe(denied);
    expect(calls).toBe(1);
    expect(env.sleeps).toEqual([]);
  });

  it('gives up before a backoff would cross the deadline, reporting attempts and the last reason', async () => {
    const env = fakeEnvironment();
    const failing = withRetry(
      async () => {
        throw new Error('Retryable HTTP status: 503');
      },
      options,
      env,
    );
    const err = await failing.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryDeadlineError);
    const deadline = err as RetryDeadlineError;
    expect(deadline.reason).toBe('HTTP 503');
    // Backoffs 75, 150, 300, 600, then 750 × 5 reach 4875 ms; one more 750 would pass 5000.
    expect(deadline.attempts).toBe(10);
    expect(env.t).toBe(4875);
    expect(env.t).toBeLessThanOrEqual(options.deadlineMs);
  });
});
