/**
 * What became of one shard:
 * - `accepted`, `duplicate`, `stale`: the coordinator's answer; the queue job is completed.
 * - `dropped`: the job is gone or no longer holds the parameters; completed without a result.
 * - `failed`: rejected, a transient error or a compute failure; the queue job fails and
 *   BullMQ retries it.
 * - `handed-back`: the worker shut down before finishing, or the coordinator refuses it
 *   (quarantine); the queue job is waiting again.
 * - `not-ready`: the shard's parameter version was not published yet (the round before it was
 *   still running); the queue job is waiting again, no attempt counted.
 */
export type ShardOutcome = 'accepted' | 'duplicate' | 'stale' | 'dropped' | 'failed' | 'handed-back' | 'not-ready';

/** One processed shard, for logs and tests. */
export interface ShardEvent {
  /** The BullMQ job id (`{jobId}-r{version}-b{first}-{end}[-a{n}]`, `-e{first}-{end}` for an evaluation shard). */
  queueJobId: string;
  jobId: string;
  /** The parameter version the shard computed from (a train shard's round). */
  version: number;
  /** The shard's first block. */
  firstBlock: number;
  /** The shard's number of blocks. */
  blockCount: number;
  outcome: ShardOutcome;
  /** Why, for every outcome but `accepted`. */
  reason?: string;
  /** Time waiting for θ of the shard's version (0 when it was held; a wait in GetParameters for an unpublished version included); absent when the shard did not get that far. */
  parametersMs?: number;
  /** Time in the compute thread; absent when the shard was not computed. */
  computeMs?: number;
  /** Wall-clock time from taking the shard to its outcome. */
  totalMs: number;
}
