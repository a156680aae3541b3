import type { JobState, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { shardJobId, type ShardMessage, type ShardQueueKeys } from '@metatrain/contract';

/** BullMQ states in which a job waits for a worker. */
export const WAITING_STATES: ReadonlySet<string> = new Set(['waiting', 'prioritized', 'delayed', 'waiting-children']);

/** The newest BullMQ job of a shard (a block range). */
export interface LatestAttempt {
  attempt: number;
  id: string;
  /** `unknown` when the job does not exist (never added, or removed after it finished). */
  state: JobState | 'unknown';
}

/** The attempt counter's field: the shard job id without the job (the counters hash is per job). */
const field = (m: ShardMessage) => shardJobId(m).slice(m.jobId.length + 1);

/**
 * Finds the newest job of a shard. The attempt counter lives in Redis, beside the queue, so a
 * restarted coordinator continues the numbering instead of reusing an id BullMQ still holds.
 */
export async function latestAttempt(queue: Queue, redis: Redis, keys: ShardQueueKeys, message: ShardMessage): Promise<LatestAttempt> {
  const raw = await redis.hget(keys.attempts(message.jobId), field(message));
  const attempt = raw === null ? 0 : Number(raw);
  const id = shardJobId(message, attempt);
  return { attempt, id, state: await queue.getJobState(id) };
}

/**
 * The id under which to add a shard's next job: the plain id for its first, otherwise a new
 * attempt number (counted before the add, so a failed add never leads to reusing a number).
 * An attempt id BullMQ still holds is skipped: adding under it would silently add nothing (the
 * counter is lost with the job's bookkeeping when its loop stops, while finished jobs stay
 * until BullMQ's own clean-up), and the range would not be computed.
 */
export async function nextAttemptId(queue: Queue, redis: Redis, keys: ShardQueueKeys, message: ShardMessage, first: boolean): Promise<string> {
  if (first) return shardJobId(message);
  for (;;) {
    const id = shardJobId(message, await redis.hincrby(keys.attempts(message.jobId), field(message), 1));
    if ((await queue.getJobState(id)) === 'unknown') return id;
  }
}
