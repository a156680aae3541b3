import type { ParamSet } from '@metatrain/metalearn';
import type { ReportEvalRequest, ReportHeader, TaskMetrics } from '@metatrain/proto';
import type { AcceptOutcome, EvalReport, ReportedTaskMetrics, ShardReport } from '../rounds/shard-report';

/**
 * Where ReportShard hands a well-formed report (header + decoded, checksum-verified sum), so
 * the handler needs no job registry. Implemented by whatever owns the jobs' round trackers.
 */
export interface ReportSink {
  /**
   * Files one shard report and says what became of it (RoundTracker.accept's answer).
   *
   * @throws NotFoundError (./grpc-errors) when there is no job `header.jobId`.
   */
  reportShard(header: ReportHeader, sum: ParamSet): AcceptOutcome | Promise<AcceptOutcome>;
  /**
   * Files one evaluation shard report (EvalTracker.accept's answer).
   *
   * @throws NotFoundError (./grpc-errors) when there is no job `request.jobId`.
   */
  reportEval(request: ReportEvalRequest): AcceptOutcome | Promise<AcceptOutcome>;
}

/** The tracker's view of a wire report: task_index becomes `task`, absent accuracies stay absent. */
export function toShardReport(header: ReportHeader, sum: ParamSet): ShardReport {
  return {
    round: header.round,
    shard: header.shardIndex,
    parameterVersion: header.parameterVersion,
    sum,
    metrics: header.taskMetrics.map(fromWireMetrics),
    workerId: header.workerId,
    backend: header.backend,
  };
}

/** The evaluation tracker's view of a ReportEval request. */
export function toEvalReport(request: ReportEvalRequest): EvalReport {
  return {
    version: request.parameterVersion,
    shard: request.shardIndex,
    metrics: request.taskMetrics.map(fromWireMetrics),
    workerId: request.workerId,
    backend: request.backend,
  };
}

function fromWireMetrics(m: TaskMetrics): ReportedTaskMetrics {
  return {
    task: m.taskIndex,
    preLoss: m.preLoss,
    postLoss: m.postLoss,
    ...(m.preAccuracy !== undefined ? { preAccuracy: m.preAccuracy } : {}),
    ...(m.postAccuracy !== undefined ? { postAccuracy: m.postAccuracy } : {}),
  };
}
