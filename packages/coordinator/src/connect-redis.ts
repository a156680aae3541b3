import type { Redis } from 'ioredis';

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
