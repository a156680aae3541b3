import type { BlockRange, ShardKind } from '@metatrain/core';

/** What an enqueue did, by BullMQ job id. */
export interface EnqueueResult {
  /** Jobs added by this call. */
  added: string[];
  /** Shards left alone because a job of theirs is still waiting (or, for a first enqueue, running). */
  pending: string[];
}

/** Shard jobs by state, for metrics and autoscaling. */
export interface QueueDepth {
  /** In BullMQ's wait list (none, normally: every shard job has a priority). */
  waiting: number;
  prioritized: number;
  active: number;
  /** Waiting out a retry backoff. */
  delayed: number;
  /** The sum: shards not yet done. */
  total: number;
}

/**
 * Where a job's shards wait for workers (BullShardQueue on Redis; MemoryShardQueue in unit
 * tests). A shard is a range of blocks. "First result wins" is kept per block by the
 * coordinator's trackers, not here: a shard may run more than once, and every copy reports
 * under the same (job, version, block range).
 */
export interface ShardQueue {
  /** Adds the shards (block ranges) of `jobId` computed from `version` (a round, or its evaluation); idempotent. */
  enqueue(jobId: string, kind: ShardKind, version: number, shards: readonly BlockRange[]): Promise<EnqueueResult>;
  /** Asks again for overdue shards (ranges of missing blocks), at the front of the queue. */
  reenqueue(jobId: string, kind: ShardKind, version: number, shards: readonly BlockRange[]): Promise<EnqueueResult>;
  /**
   * Removes the job's shards no worker holds; returns how many. `final`: the job ended for
   * good (not stopped for a successor to resume), so nothing of it is kept.
   */
  removeJob(jobId: string, final: boolean): Promise<number>;
  /** Shards not yet done, by state. */
  depth(): Promise<QueueDepth>;
}
