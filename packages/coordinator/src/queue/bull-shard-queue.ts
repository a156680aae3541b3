import type { BlockRange, ShardKind } from '@metatrain/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { openRedis } from '../connect-redis';
import { collectionSequence, forgetFairShare, reserveFairPriorities, RETRY_PRIORITY } from './fair-share';
import { parseShardMessage, SHARD_JOB_NAME, shardJobId, type ShardMessage, shardQueueKeys, type ShardQueueKeys } from '@metatrain/contract';
import { latestAttempt, nextAttemptId, WAITING_STATES } from './shard-attempts';
import type { EnqueueResult, QueueDepth, ShardQueue } from './shard-queue';
import { compileShardQueueOptions, type CompiledShardQueueOptions, type ShardQueueOptions } from './shard-queue-options';

/** Reports connection trouble; the default writes one line to stderr. */
export type QueueErrorHandler = (error: Error) => void;

const logQueueError: QueueErrorHandler = (error) => process.stderr.write(`shard-queue: ${error.message}\n`);

/**
 * The shard queue on BullMQ: one queue per coordinator deployment, one job per shard (a range
 * of blocks), carrying a {@link ShardMessage}.
 *
 * "First result wins" is kept by the coordinator, per block, not here: a shard may run more
 * than once (BullMQ's stalled-job recovery, or an attempt added by {@link reenqueue}), every
 * copy reports under the same (job, version, block range), and the collection's tracker keeps
 * the first valid result of each block and answers DUPLICATE to a report adding none (STALE
 * once the collection has closed). The bits cannot differ, since a block's tasks depend only on
 * (seed, round, task index) and each block is computed alone.
 */
export class BullShardQueue implements ShardQueue {
  /** The Redis keys of this queue (for the KEDA scaler and for tests). */
  readonly keys: ShardQueueKeys;
  /** The key prefix and the queue name, as configured. */
  readonly prefix: string;
  readonly queueName: string;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly queue: Queue,
    private readonly redis: Redis,
    options: CompiledShardQueueOptions,
  ) {
    this.prefix = options.prefix;
    this.queueName = options.queueName;
    this.keys = shardQueueKeys(options.prefix, options.queueName);
  }

  /**
   * Connects to Redis (failing if the first connection attempt fails; later outages are
   * retried by ioredis, and commands wait for the reconnection) and opens the queue.
   */
  static async create(options: ShardQueueOptions, onError: QueueErrorHandler = logQueueError): Promise<BullShardQueue> {
    const compiled = compileShardQueueOptions(options);
    // `report` listens until the queue does: without a listener ioredis prints errors itself.
    const { redis, report } = await openRedis(compiled.redisUrl, onError);
    const { attempts, backoffMs, keepCompleted, keepFailed } = compiled;
    const queue = new Queue(compiled.queueName, {
      connection: redis,
      prefix: compiled.prefix,
      defaultJobOptions: {
        attempts,
        backoff: { type: 'exponential', delay: backoffMs },
        removeOnComplete: { age: keepCompleted.ageSeconds, count: keepCompleted.count },
        removeOnFail: { age: keepFailed.ageSeconds, count: keepFailed.count },
      },
    });
    queue.on('error', report);
    // BullMQ listens on the connection and re-emits its errors on the queue: one report each.
    redis.off('error', report);
    try {
      await queue.waitUntilReady();
    } catch (err) {
      await queue.close().catch(onError);
      redis.disconnect();
      throw err;
    }
    return new BullShardQueue(queue, redis, compiled);
  }

  /**
   * Enqueues `shards` of `jobId` computed from parameter version `version` — round `version`,
   * or its evaluation — one job per block range with the id `{jobId}-r{version}-b{first}-{end}`
   * (`-e{first}-{end}` for an evaluation's blocks), at fair-share priorities (fair-share.ts).
   * The fair-share state also records each job's last collection enqueued, so a collection
   * enqueued for the first time takes two round trips whatever its size. Idempotent: enqueued
   * again (a restarted coordinator collecting it again), a range whose job is waiting or
   * running is left alone, and one whose last job has finished gets a new attempt, since its
   * earlier result went to the previous coordinator.
   */
  async enqueue(jobId: string, kind: ShardKind, version: number, shards: readonly BlockRange[]): Promise<EnqueueResult> {
    const messages = shards.map((s) => toMessage(kind, jobId, version, s));
    const sequence = collectionSequence(kind, version);
    // The usual case, a collection never enqueued before: no shard of it can exist, so its
    // shards go in at their plain ids without a lookup each — two round trips for the round.
    const priorities = await reserveFairPriorities(this.redis, this.keys, jobId, messages.length, sequence, true);
    if (priorities) {
      const ids = messages.map((m) => shardJobId(m, 0));
      await this.queue.addBulk(messages.map((data, i) => ({ name: SHARD_JOB_NAME, data, opts: { jobId: ids[i] as string, priority: priorities[i] ?? RETRY_PRIORITY } })));
      return { added: ids, pending: [] };
    }
    return this.enqueueAgain(jobId, messages, sequence);
  }

  /**
   * A collection enqueued before (a restarted or successor coordinator collecting it again):
   * each range is looked up, and gets a new job only when its last one has finished.
   */
  private async enqueueAgain(jobId: string, messages: readonly ShardMessage[], sequence: number): Promise<EnqueueResult> {
    const latest = await Promise.all(messages.map((m) => latestAttempt(this.queue, this.redis, this.keys, m)));
    const result: EnqueueResult = { added: [], pending: [] };
    const toAdd: { message: ShardMessage; first: boolean }[] = [];
    latest.forEach((last, i) => {
      const message = messages[i] as ShardMessage;
      if (last.state === 'completed' || last.state === 'failed' || last.state === 'unknown') {
        toAdd.push({ message, first: last.state === 'unknown' && last.attempt === 0 });
      } else {
        result.pending.push(last.id);
      }
    });
    const priorities = (await reserveFairPriorities(this.redis, this.keys, jobId, toAdd.length, sequence)) ?? [];
    const jobs = await Promise.all(
      toAdd.map(async ({ message, first }, i) => ({
        name: SHARD_JOB_NAME,
        data: message,
        opts: { jobId: await nextAttemptId(this.queue, this.redis, this.keys, message, first), priority: priorities[i] ?? RETRY_PRIORITY },
      })),
    );
    await this.queue.addBulk(jobs);
    result.added.push(...jobs.map((j) => j.opts.jobId));
    return result;
  }

  /**
   * Re-enqueues overdue shards (stragglers): ranges of the blocks still missing. Each range whose
   * last job is running (a straggler), finished or gone gets a new attempt
   * `{jobId}-r{version}-b{first}-{end}-a{n}` at the front of the queue; one whose last job is
   * still waiting (or backing off after a failure) is moved to the front instead, as a second
   * copy would only wait beside it. A range never enqueued before (the blocks missing are not
   * a whole shard of the first grouping) starts at its plain id.
   */
  async reenqueue(jobId: string, kind: ShardKind, version: number, shards: readonly BlockRange[]): Promise<EnqueueResult> {
    const result: EnqueueResult = { added: [], pending: [] };
    for (const message of shards.map((s) => toMessage(kind, jobId, version, s))) {
      const last = await latestAttempt(this.queue, this.redis, this.keys, message);
      if (WAITING_STATES.has(last.state)) {
        const job = await this.queue.getJob(last.id);
        await job?.changePriority({ priority: RETRY_PRIORITY });
        // A job backing off after a failure would sit out its delay: run it now instead.
        if (last.state === 'delayed') await job?.promote();
        result.pending.push(last.id);
      } else {
        const id = await nextAttemptId(this.queue, this.redis, this.keys, message, last.state === 'unknown' && last.attempt === 0);
        await this.queue.add(SHARD_JOB_NAME, message, { jobId: id, priority: RETRY_PRIORITY });
        result.added.push(id);
      }
    }
    return result;
  }

  /** Shard jobs waiting, prioritized, active and delayed (all jobs of all rounds). */
  async depth(): Promise<QueueDepth> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    const depth = { waiting: counts.waiting ?? 0, prioritized: counts.prioritized ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0 };
    return { ...depth, total: depth.waiting + depth.prioritized + depth.active + depth.delayed };
  }

  /**
   * Removes the shards of `jobId` that no worker holds (waiting, prioritized, delayed) and the
   * job's bookkeeping; for cancel, for a finished job's leftover copies and when a job's loop
   * stops here. Shards already running finish, and their reports are refused by the
   * coordinator. With `final` (the job ended for good) the record of its last collection
   * enqueued goes too; a stopped job keeps it for the coordinator that resumes it. Returns
   * how many jobs were removed.
   */
  async removeJob(jobId: string, final: boolean): Promise<number> {
    const candidates = await this.queue.getJobs(['prioritized', 'waiting', 'delayed']);
    let removed = 0;
    for (const job of candidates) {
      const data: unknown = job.data;
      // Match on the payload, not an id prefix: job "a" must not take job "a-r1"'s shards.
      if (typeof data === 'object' && data !== null && (data as Partial<ShardMessage>).jobId === jobId && job.id) {
        removed += await this.queue.remove(job.id);
      }
    }
    await this.redis.del(this.keys.attempts(jobId));
    await forgetFairShare(this.redis, this.keys, jobId, final);
    return removed;
  }

  /** Closes the queue and its connection; idempotent. Each step runs even if one before failed. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const errors: unknown[] = [];
      await this.queue.close().catch((err: unknown) => errors.push(err));
      await this.redis.quit().catch((err: unknown) => {
        errors.push(err);
        this.redis.disconnect();
      });
      if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'shard-queue: close failed');
    })());
  }
}

/** Builds and checks the message of one shard, so bad input fails before anything is added. */
function toMessage(kind: ShardKind, jobId: string, version: number, shard: BlockRange): ShardMessage {
  return parseShardMessage({ kind, jobId, version, firstBlock: shard.first, blockCount: shard.count });
}
