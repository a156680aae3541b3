// How the worker's Redis connections report trouble: one line per outage, never the URL's password.

/**
 * Logs a connection error once until the connection is ready again (ioredis retries forever):
 * "waiting for Redis" before the first connection, "Redis at … unreachable" after.
 */
export function errorReporter(log: (line: string) => void, address: string): ((error: Error) => void) & { reset(): void } {
  let last: string | undefined;
  let connected = false;
  const report = (error: Error): void => {
    if (error.message === last) return;
    last = error.message;
    log(connected ? `worker: Redis at ${address} unreachable: ${error.message} (reconnecting)` : `worker: waiting for Redis at ${address}: ${error.message} (retrying)`);
  };
  const reset = (): void => {
    if (connected && last !== undefined) log(`worker: Redis at ${address} is back`);
    connected = true;
    last = undefined;
  };
  return Object.assign(report, { reset });
}

/** `host:port` of a Redis URL: what log lines show (the URL may hold a password). */
export function redisAddress(url: string): string {
  try {
    const { hostname, port } = new URL(url);
    return `${hostname}:${port || '6379'}`;
  } catch {
    return 'REDIS_URL';
  }
}
