import { Redis, type RedisOptions } from 'ioredis';

/**
 * Opens a Redis connection. Fails if the first attempt fails, with the socket's own error
 * ("connect ECONNREFUSED 127.0.0.1:6379", not ioredis's "Connection is closed."), so that a
 * caller waiting for Redis can say why; once connected, ioredis retries every outage by
 * itself and reports each error to `onError`.
 */
export async function connectRedis(url: string, onError: (error: Error) => void, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, { ...options, lazyConnect: true });
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
  redis.on('error', onError);
  return redis;
}
