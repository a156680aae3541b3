import { Redis } from 'ioredis';

/**
 * Connects a `lazyConnect` client. When the first attempt fails it throws what Redis said
 * (WRONGPASS, NOAUTH, ECONNREFUSED) rather than ioredis's bare "Connection is closed", so the
 * coordinator's "waiting for Redis" line tells a wrong password from a server that is down.
 */
export async function connectRedis(redis: Redis): Promise<void> {
  let reason: Error | undefined;
  const remember = (error: Error): void => {
    reason = error;
  };
  redis.on('error', remember);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw reason ?? err;
  } finally {
    redis.off('error', remember);
  }
}

/** A connection of {@link openRedis} and the error handler listening on it. */
export interface RedisConnection {
  redis: Redis;
  /** `onError`, deduplicated: each distinct error once per outage. */
  report: (error: Error) => void;
}

/**
 * Opens one of the coordinator's Redis connections (connectRedis: failing with what Redis
 * said if the first attempt fails). Once connected, ioredis reconnects after every outage by
 * itself — retrying every few hundred ms, so `onError` hears each distinct error once per
 * outage — and commands wait for the reconnection however long it takes
 * (`maxRetriesPerRequest: null`): a round loop rides out a Redis restart instead of failing
 * its job, and an RPC that needs Redis waits within its caller's deadline.
 */
export async function openRedis(url: string, onError: (error: Error) => void): Promise<RedisConnection> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null });
  let last: string | undefined;
  const report = (error: Error): void => {
    if (error.message === last) return;
    last = error.message;
    onError(error);
  };
  await connectRedis(redis);
  redis.on('error', report);
  redis.on('ready', () => (last = undefined));
  return { redis, report };
}
