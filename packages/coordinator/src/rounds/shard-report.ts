import type { ParamSet } from '@metatrain/core';
import type { ShardResult } from '@metatrain/metalearn';

/**
 * Metrics of one task of a shard. `task` is the task's index within the round's meta-batch
 * (the wire's `task_index`), so a report can be checked against the shard plan.
 */
export type ReportedTaskMetrics = ShardResult['metrics'][number];

/** One worker's result for one shard of one round, as the round tracker receives it. */
export interface ShardReport {
  round: number;
  shard: number;
  /** The parameter version the shard was computed from; must equal `round`. */
  parameterVersion: number;
  /** The shard's summed result, in the job's parameter layout. */
  sum: ParamSet;
  /** One entry per task of the shard, in task order. */
  metrics: ReportedTaskMetrics[];
  workerId: string;
  /** Compute backend that produced `sum` (tensorflow | wasm | cpu). */
  backend: string;
}

/**
 * What became of a report (the wire's ReportStatus): stored, ignored because the shard is
 * already held (first result wins), ignored because its round is closed, or refused.
 */
export type AcceptOutcome = 'ACCEPTED' | 'DUPLICATE' | 'STALE' | Rejection;

/** A refused report: `rejected` names the field at fault and why. */
export interface Rejection {
  rejected: string;
  /**
   * Set when the report's round is ahead of the job's, which an honest worker causes after the
   * coordinator resumed from an older checkpoint: not the report's fault, so it does not count
   * toward the worker's quarantine (WorkerTable).
   */
  notOpenYet?: true;
}

/** A shard held by a tracker: what `applyRound` needs, plus who computed it. */
export interface AcceptedShard {
  shard: number;
  sum: ParamSet;
  metrics: ReportedTaskMetrics[];
  workerId: string;
  backend: string;
}

/** One worker's result for one shard of the periodic evaluation of a parameter version. */
export interface EvalReport {
  /** The parameter version evaluated (rounds completed). */
  version: number;
  shard: number;
  /** One entry per held-out task of the shard, in task order (`task` = index in the evaluation). */
  metrics: ReportedTaskMetrics[];
  workerId: string;
  backend: string;
}
