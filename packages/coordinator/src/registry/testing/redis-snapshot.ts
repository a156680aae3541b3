// Test support (@metatrain/coordinator/testing): everything Redis holds under a prefix, as text.
// Lives here because tests in test/ cannot import ioredis (a dependency of this package).
import { Redis } from 'ioredis';

// The command that reads a whole key of each type.
const READ: Record<string, (key: string) => [string, ...Array<string | number>]> = {
  string: (key) => ['GET', key],
  hash: (key) => ['HGETALL', key],
  list: (key) => ['LRANGE', key, 0, -1],
  set: (key) => ['SMEMBERS', key],
  zset: (key) => ['ZRANGE', key, 0, -1, 'WITHSCORES'],
  stream: (key) => ['XRANGE', key, '-', '+'],
};

/** Buffers as latin1 (lossless: every byte one character), nested arrays kept. */
function text(reply: unknown): unknown {
  if (Buffer.isBuffer(reply)) return reply.toString('latin1');
  return Array.isArray(reply) ? reply.map(text) : reply;
}

/**
 * Every key starting with `prefix` mapped to `type: content`, keys sorted; set members sorted,
 * so two snapshots of an unchanged store are equal. Content is byte for byte (latin1), so a
 * search for a secret sees binary values too.
 */
export async function snapshotKeys(redisUrl: string, prefix: string): Promise<Record<string, string>> {
  const redis = new Redis(redisUrl);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const snapshot: Record<string, string> = {};
    for (const key of [...new Set(keys)].sort()) {
      const type = await redis.type(key);
      const read = READ[type];
      if (!read) throw new Error(`snapshotKeys: key ${key} has type ${type}, which it cannot read`);
      const [command, ...args] = read(key);
      let content = text(await redis.callBuffer(command, args));
      if (type === 'set' && Array.isArray(content)) content = [...(content as string[])].sort();
      snapshot[key] = `${type}: ${JSON.stringify(content)}`;
    }
    return snapshot;
  } finally {
    await redis.quit();
  }
}
