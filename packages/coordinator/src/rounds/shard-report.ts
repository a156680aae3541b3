import type { IndexedTaskMetrics, ParamSet, ShardKind } from '@metatrain/core';

/** One worker's result for one shard (a range of blocks), as a tracker receives it (ReportShard or ReportEval). */
export interface ShardReport {
  kind: ShardKind;
  /** The parameter version the shard was computed from: a train shard's round. */
  version: number;
  /** The shard's first block (the wire's first_block). */
  firstBlock: number;
  /** The shard's number of blocks (the wire's block_count). */
  blockCount: number;
  /**
   * The shard's block sums as they travel: each parameter of the job's layout with a leading
   * axis of `blockCount` (`stackBlockSums`); empty for an evaluation shard.
   */
  sum: ParamSet;
  /** One entry per task of the shard's blocks, in task order; `task` is the wire's `task_index`. */
  metrics: IndexedTaskMetrics[];
  workerId: string;
  /** Compute backend that produced the result (tensorflow | wasm | cpu). */
  backend: string;
  /** Time the worker spent computing the shard (the wire's compute_ms). */
  computeMs: number;
}

/**
 * What became of a report (the wire's ReportStatus): stored (at least one of its blocks was
 * new), ignored because every block is already held (first result wins), ignored because its
 * round or evaluation is over, or refused.
 */
export type AcceptOutcome = 'ACCEPTED' | 'DUPLICATE' | 'STALE' | Rejection;

/** A refused report: `rejected` names the field at fault and why. */
export interface Rejection {
  rejected: string;
  /**
   * Set when the report is ahead of the job, which an honest worker causes after the coordinator
   * resumed from an older checkpoint: not the report's fault, so it does not count toward the
   * worker's quarantine (WorkerTable).
   */
  notOpenYet?: true;
}
