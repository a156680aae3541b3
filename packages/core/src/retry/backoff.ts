/** How the wait between attempts grows: doubling from `initialDelayMs` up to `maxDelayMs`. */
export interface Backoff {
  /** The wait before the second attempt. */
  initialDelayMs: number;
  /** The longest single wait. */
  maxDelayMs: number;
  /**
   * `'equal'`: half of each wait fixed, half random, so that clients which failed together
   * spread out, yet none hammers a dead server with near-zero waits. `'none'`: the exact
   * doubling, for waits a log line announces ("retrying in 2 s"). @default 'equal'
   */
  jitter?: 'equal' | 'none';
}

/** The wait before retry number `retry` (1 for the first retry); `random` returns [0, 1). */
export function backoffDelay(retry: number, backoff: Backoff, random: () => number): number {
  const cap = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** Math.max(0, retry - 1));
  return backoff.jitter === 'none' ? cap : cap / 2 + random() * (cap / 2);
}
