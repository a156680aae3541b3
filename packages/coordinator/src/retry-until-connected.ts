import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '@metatrain/core';

/**
 * Runs `connect` until it succeeds, logging one line per failure and waiting longer each time
 * (1 s doubling to 15 s): a coordinator started before Redis or storage waits for them rather
 * than crashing. A configuration mistake (ConfigError) is not worth waiting for and is thrown,
 * as is any error `retryable` refuses; an aborted `signal` ends the wait with its reason.
 */
export async function retryUntilConnected<T>(
  what: string,
  connect: () => Promise<T>,
  log: (line: string) => void,
  signal?: AbortSignal,
  retryable: (error: unknown) => boolean = () => true,
): Promise<T> {
  for (let delayMs = 1000; ; delayMs = Math.min(15_000, delayMs * 2)) {
    try {
      return await connect();
    } catch (err) {
      if (err instanceof ConfigError || !retryable(err) || signal?.aborted) throw err;
      log(`coordinator: waiting for ${what}: ${err instanceof Error ? err.message : String(err)} (retrying in ${delayMs / 1000} s)`);
      await sleep(delayMs, undefined, signal ? { signal } : {});
    }
  }
}
