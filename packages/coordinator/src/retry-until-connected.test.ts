import { ConfigError, type RetryClock } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { retryUntilConnected } from './retry-until-connected';

/** Sleeping records the wait and returns at once. */
function fakeClock(): Partial<RetryClock> & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => 0, sleep: async (ms) => void sleeps.push(ms) };
}

/** Fails with `errors` in turn, then connects. */
const connectAfter = (errors: unknown[]) => async (): Promise<string> => {
  const error = errors.shift();
  if (error !== undefined) throw error;
  return 'connected';
};

describe('retryUntilConnected', () => {
  it('logs a line per failure, waiting 1 s doubling to 15 s', async () => {
    const clock = fakeClock();
    const logs: string[] = [];
    const refused = Array.from({ length: 6 }, () => new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(await retryUntilConnected('Redis at redis://127.0.0.1:6379', connectAfter(refused), (l) => logs.push(l), undefined, undefined, clock)).toBe('connected');
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect(logs[0]).toBe('coordinator: waiting for Redis at redis://127.0.0.1:6379: connect ECONNREFUSED 127.0.0.1:6379 (retrying in 1 s)');
    expect(logs[4]).toMatch(/\(retrying in 15 s\)$/);
  });

  it('throws a ConfigError, or an error retryable refuses, at once', async () => {
    const clock = fakeClock();
    const bad = new ConfigError('STORAGE_URL', 'unknown scheme');
    await expect(retryUntilConnected('storage', connectAfter([bad]), () => undefined, undefined, undefined, clock)).rejects.toBe(bad);
    const bug = new TypeError('x is not a function');
    await expect(retryUntilConnected('storage', connectAfter([bug]), () => undefined, undefined, (e) => !(e instanceof TypeError), clock)).rejects.toBe(bug);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries nothing once the signal aborted, ending with its reason', async () => {
    const abort = new AbortController();
    const logs: string[] = [];
    const waiting = retryUntilConnected('storage', connectAfter([new Error('down'), new Error('down')]), (l) => {
      logs.push(l);
      abort.abort(new Error('closing'));
    }, abort.signal);
    await expect(waiting).rejects.toThrow('closing');
    expect(logs).toEqual(['coordinator: waiting for storage: down (retrying in 1 s)']);
  });
});
