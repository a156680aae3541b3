import type { IndexedTaskMetrics, ParamSet, ShardKind } from '@metatrain/core';

/** One worker's result for one shard, as a tracker receives it (ReportShard or ReportEval). */
export interface ShardReport {
  kind: ShardKind;
  /** The parameter version the shard was computed from: a train shard's round. */
  version: number;
  shard: number;
  /** The shard's summed result in the job's parameter layout; empty for an evaluation shard. */
  sum: ParamSet;
  /** One entry per task of the shard, in task order; `task` is the wire's `task_index`. */
  metrics: IndexedTaskMetrics[];
  workerId: string;
  /** Compute backend that produced the result (tensorflow | wasm | cpu). */
  backend: string;
}

/**
 * What became of a report (the wire's ReportStatus): stored, ignored because the shard is
 * already held (first result wins), ignored because its round or evaluation is over, or refused.
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
