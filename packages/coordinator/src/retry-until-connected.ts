import { ConfigError, type Log, retry, type RetryClock } from '@metatrain/core';

/**
 * Runs `connect` until it succeeds, logging one line per failure and waiting longer each time
 * (1 s doubling to 15 s, exactly, as the line says): a coordinator started before Redis or
 * storage waits for them rather than crashing. A configuration mistake (ConfigError) is not
 * worth waiting for and is thrown, as is any error `retryable` refuses. An aborted `signal`
 * retries nothing more: a wait in progress ends with the signal's reason.
 */
export function retryUntilConnected<T>(
  what: string,
  connect: () => Promise<T>,
  log: Log,
  signal?: AbortSignal,
  retryable: (error: unknown) => boolean = () => true,
  clock?: Partial<RetryClock>,
): Promise<T> {
  return retry(
    connect,
    {
      initialDelayMs: 1000,
      maxDelayMs: 15_000,
      jitter: 'none',
      signal,
      transientReason: (err) => (err instanceof ConfigError || !retryable(err) ? undefined : err instanceof Error ? err.message : String(err)),
      onRetry: ({ reason, delayMs }) => log(`coordinator: waiting for ${what}: ${reason} (retrying in ${delayMs / 1000} s)`, { level: 'warn' }),
    },
    clock,
  );
}
