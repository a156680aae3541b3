/** What {@link withTimeout} resolves to: the value, or word that the deadline passed first. */
export type TimedResult<T> = { done: true; value: T } | { done: false };

/**
 * Waits for `promise` at most `ms` milliseconds. The promise is not cancelled (there is no
 * way to), only no longer waited for: a rejection before the deadline rejects, one after it
 * is not reported here (callers that must see late failures handle them on `promise`).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<TimedResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<TimedResult<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  const settled = promise.then((value): TimedResult<T> => ({ done: true, value }));
  return Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
}
