import { Redis, type RedisOptions } from 'ioredis';

/** A connection of {@link connectRedis} and the error handler listening on it. */
export interface RedisConnection {
  redis: Redis;
  /** `onError`, deduplicated: each distinct error once per outage. */
  report: (error: Error) => void;
}

/**
 * Opens one of the coordinator's Redis connections. Fails if the first attempt fails, with
 * the socket's own error ("connect ECONNREFUSED 127.0.0.1:6379", not ioredis's "Connection is
 * closed."), so that a caller waiting for Redis can say why. Once connected, ioredis
 * reconnects after every outage by itself — retrying every few hundred ms, so `onError` hears
 * each distinct error once per outage — and commands wait for the reconnection however long
 * it takes (`maxRetriesPerRequest: null`): a round loop rides out a Redis restart instead of
 * failing its job, and an RPC that needs Redis waits within its caller's deadline.
 */
export async function connectRedis(url: string, onError: (error: Error) => void, options: RedisOptions = {}): Promise<RedisConnection> {
  const redis = new Redis(url, { maxRetriesPerRequest: null, ...options, lazyConnect: true });
  let first: Error | undefined;
  const onFirstError = (error: Error): void => {
    first ??= error;
  };
  redis.on('error', onFirstError);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw first ?? err;
  } finally {
    redis.off('error', onFirstError);
  }
  let last: string | undefined;
  const report = (error: Error): void => {
    if (error.message === last) return;
    last = error.message;
    onError(error);
  };
  redis.on('error', report);
  redis.on('ready', () => (last = undefined));
  return { redis, report };
}
