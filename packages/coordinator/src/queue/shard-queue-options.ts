import { gotInput, parseConfig, redisUrlSetting } from '@metatrain/core';
import { DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX } from '@metatrain/contract';
import { z } from 'zod';

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
   * a no-op (the queue then adds an attempt, see BullShardQueue.enqueue).
   * @default { ageSeconds: 3600, count: 1000 }
   */
  keepCompleted?: Retention;
  /** Failed shard jobs kept, for post-mortems. @default { ageSeconds: 86400, count: 1000 } */
  keepFailed?: Retention;
}

/** {@link ShardQueueOptions} with every default filled in and checked. */
export type CompiledShardQueueOptions = Required<ShardQueueOptions>;

const retention = z.object({
  ageSeconds: z.number({ error: gotInput('expected a non-negative number of seconds') }).min(0),
  count: z.number({ error: gotInput('expected a non-negative integer') }).int().min(0),
});

const checkedOptions = z.object({
  redisUrl: redisUrlSetting,
  prefix: z.string().min(1, { error: 'must not be empty' }).default(DEFAULT_QUEUE_PREFIX),
  queueName: z.string().refine((name) => name !== '' && !name.includes(':'), { error: 'must be non-empty and contain no ":"' }).default(DEFAULT_QUEUE_NAME),
  attempts: z.number({ error: ({ input }) => `must be a positive integer, got ${String(input)}` }).int().min(1).default(3),
  backoffMs: z.number({ error: ({ input }) => `must be ≥ 0, got ${String(input)}` }).min(0).default(1000),
  keepCompleted: retention.prefault({ ageSeconds: 3600, count: 1000 }),
  keepFailed: retention.prefault({ ageSeconds: 86_400, count: 1000 }),
});

/**
 * Fills in the defaults and checks the values.
 * @throws {ConfigError} naming the option at fault (never echoing the URL, which may hold a password).
 */
export function compileShardQueueOptions(options: ShardQueueOptions): CompiledShardQueueOptions {
  return parseConfig(checkedOptions, options);
}
