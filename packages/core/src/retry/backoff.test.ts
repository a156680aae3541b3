import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const backoff = { initialDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles from the initial delay up to the cap, with half of it jittered', () => {
    expect([1, 2, 3, 4, 5, 9].map((r) => backoffDelay(r, backoff, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 9].map((r) => backoffDelay(r, backoff, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000].map((d) => expect.closeTo(d, 2)));
  });

  it('doubles exactly without jitter', () => {
    const exact = { initialDelayMs: 1_000, maxDelayMs: 15_000, jitter: 'none' } as const;
    expect([1, 2, 3, 4, 5, 6].map((r) => backoffDelay(r, exact, () => 0.3))).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
  });
});
