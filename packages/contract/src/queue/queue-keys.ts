import type { BackendName } from '@metatrain/core';

/** The key prefix of the coordinator's queues when none is configured. */
export const DEFAULT_QUEUE_PREFIX = 'metatrain';
/** The name of the shard queue when none is configured. */
export const DEFAULT_QUEUE_NAME = 'shards';

/** Where a job's shards are computed: by workers of `pool`, all on `backend`. */
export interface Lane {
  pool: string;
  backend: BackendName;
}

/**
 * The name of the shard queue of `lane` under the configured queue name `queueName`:
 * `{queueName}.{pool}.{backend}`, e.g. `shards.gpu.tensorflow`. Every (pool, backend) has a
 * queue of its own, so a worker takes only shards of jobs of its pool and its backend, and fair
 * sharing holds among the jobs of one lane. Pool names are DNS labels (no `:` or `.`).
 */
export function laneQueueName(queueName: string, lane: Lane): string {
  return `${queueName}.${lane.pool}.${lane.backend}`;
}

/** The Redis keys of one shard queue: BullMQ's own, and the two this package adds. */
export interface ShardQueueKeys {
  /** BullMQ's list of jobs without a priority (`<prefix>:<queue>:wait`). */
  wait: string;
  /**
   * BullMQ's sorted set of jobs with a priority (`<prefix>:<queue>:prioritized`). Every shard
   * job carries a priority (fair-share.ts), so this is where waiting shards are: a scaler must
   * count this sorted set (ZCARD), not only the wait list (LLEN).
   */
  prioritized: string;
  /** BullMQ's list of jobs a worker holds (`<prefix>:<queue>:active`). */
  active: string;
  /** BullMQ's sorted set of jobs waiting out a retry backoff (`<prefix>:<queue>:delayed`). */
  delayed: string;
  /** Ours: the fair-share bookkeeping (a hash: virtual time, each job's last tag). */
  fairShare: string;
  /**
   * Ours: the pub/sub channel on which the coordinator announces each parameter version as it
   * publishes it for GetParameters (a {@link ParameterAnnouncement}, JSON), so that workers
   * prefetch it before its shards arrive. A channel, not a key: it holds nothing.
   */
  parameters: string;
  /** Ours: the re-enqueue counter of each shard of `jobId` (a hash, field `r{round}-b{first}-{end}` for a block range of a round, `r{round}-e{first}-{end}` of an evaluation). */
  attempts(jobId: string): string;
}

/**
 * The Redis keys of the queue `name` under `prefix`, spelled as BullMQ 5 spells them
 * (`QueueKeys.toKey`: `${prefix}:${name}:${type}`). test/shard-queue.test.ts checks them
 * against a live BullMQ Queue; the KEDA manifest is checked against these.
 *
 * Our own keys live inside the queue's namespace so that obliterating the queue removes
 * them too; their suffixes (`mt-…`) are none of BullMQ's key types and never a shard job id
 * (those end in `-r{n}-b{n}-{n}`, `-r{n}-e{n}-{n}` or `-a{n}`).
 */
export function shardQueueKeys(prefix = DEFAULT_QUEUE_PREFIX, name = DEFAULT_QUEUE_NAME): ShardQueueKeys {
  const key = (type: string) => `${prefix}:${name}:${type}`;
  return {
    wait: key('wait'),
    prioritized: key('prioritized'),
    active: key('active'),
    delayed: key('delayed'),
    fairShare: key('mt-fair-share'),
    parameters: key('mt-parameters'),
    attempts: (jobId) => key(`mt-attempts:${jobId}`),
  };
}
