import { ConfigError } from '@metatrain/core';
import { DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX } from '@metatrain/contract';

/** How long BullMQ keeps finished jobs: whichever limit is hit first. */
export interface Retention {
  ageSeconds: number;
  count: number;
}

/** Options of {@link ShardQueue.create}; all but the URL optional. */
export interface ShardQueueOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…` (REDIS_URL). */
  redisUrl: string;
  /** Key prefix of the deployment's queues. @default 'metatrain' */
  prefix?: string;
  /** Queue name; no `:`. @default 'shards' */
  queueName?: string;
  /**
   * Times BullMQ runs a shard whose processor throws (not counting stalled-job recovery,
   * which the worker's `maxStalledCount` governs). @default 3
   */
  attempts?: number;
  /** First retry delay after a failure, doubling each time. @default 1000 */
  backoffMs?: number;
  /**
   * Completed shard jobs kept, for inspection; while one is kept, enqueueing its id again is
   * a no-op (the queue then adds an attempt, see ShardQueue.enqueueRound).
   * @default { ageSeconds: 3600, count: 1000 }
   */
  keepCompleted?: Retention;
  /** Failed shard jobs kept, for post-mortems. @default { ageSeconds: 86400, count: 1000 } */
  keepFailed?: Retention;
}

/** {@link ShardQueueOptions} with every default filled in and checked. */
export type CompiledShardQueueOptions = Required<ShardQueueOptions>;

/**
 * Fills in the defaults and checks the values.
 * @throws {ConfigError} naming the option at fault (never echoing the URL, which may hold a password).
 */
export function compileShardQueueOptions(options: ShardQueueOptions): CompiledShardQueueOptions {
  const compiled: CompiledShardQueueOptions = {
    redisUrl: options.redisUrl,
    prefix: options.prefix ?? DEFAULT_QUEUE_PREFIX,
    queueName: options.queueName ?? DEFAULT_QUEUE_NAME,
    attempts: options.attempts ?? 3,
    backoffMs: options.backoffMs ?? 1000,
    keepCompleted: options.keepCompleted ?? { ageSeconds: 3600, count: 1000 },
    keepFailed: options.keepFailed ?? { ageSeconds: 86_400, count: 1000 },
  };
  if (!/^rediss?:\/\//.test(compiled.redisUrl)) throw new ConfigError('redisUrl', 'expected a redis:// or rediss:// URL');
  if (!compiled.prefix) throw new ConfigError('prefix', 'must not be empty');
  if (!compiled.queueName || compiled.queueName.includes(':')) throw new ConfigError('queueName', 'must be non-empty and contain no ":"');
  if (!Number.isSafeInteger(compiled.attempts) || compiled.attempts < 1) throw new ConfigError('attempts', `must be a positive integer, got ${compiled.attempts}`);
  if (!Number.isFinite(compiled.backoffMs) || compiled.backoffMs < 0) throw new ConfigError('backoffMs', `must be ≥ 0, got ${compiled.backoffMs}`);
  return compiled;
}
