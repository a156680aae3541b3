import { WorkerClosedError } from './errors';

/**
 * `promise`, or a WorkerClosedError saying `why` as soon as `signal` aborts (the promise is
 * left to settle on its own; its outcome is then ignored).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, why: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new WorkerClosedError(why));
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new WorkerClosedError(why));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
