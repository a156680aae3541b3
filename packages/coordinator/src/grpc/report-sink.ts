import type { ParamSet } from '@metatrain/core';
import { type ReportEvalRequest, type ReportHeader, taskMetricsFromWire } from '@metatrain/contract';
import type { AcceptOutcome, ShardReport } from '../rounds/shard-report';

/**
 * Where ReportShard hands a well-formed report (header + decoded, checksum-verified sum), so
 * the handler needs no job registry. Implemented by whatever owns the jobs' round trackers.
 */
export interface ReportSink {
  /**
   * Files one shard report (its block sums stacked, as decoded) and says what became of it
   * (ShardTracker.accept's answer).
   *
   * @throws NotFoundError (./grpc-errors) when there is no job `header.jobId`.
   */
  reportShard(header: ReportHeader, sum: ParamSet): AcceptOutcome | Promise<AcceptOutcome>;
  /**
   * Files one evaluation shard report (ShardTracker.accept's answer).
   *
   * @throws NotFoundError (./grpc-errors) when there is no job `request.jobId`.
   */
  reportEval(request: ReportEvalRequest): AcceptOutcome | Promise<AcceptOutcome>;
  /**
   * Told about a report whose header arrived but whose sum could not be read (chunks out of
   * order, a bad checksum, a layout that does not decode): refused with `reason`, which the
   * caller answers INVALID_ARGUMENT. May throw a RequestError to answer with instead.
   */
  reportUnreadable?(header: ReportHeader, reason: string): void;
}

/**
 * The tracker's view of a ReportShard: its block range, its sum as decoded (the block sums
 * stacked), task_index becomes `task`, absent accuracies stay absent.
 */
export function toShardReport(header: ReportHeader, sum: ParamSet): ShardReport {
  return {
    kind: 'train',
    version: header.version,
    firstBlock: header.firstBlock,
    blockCount: header.blockCount,
    sum,
    metrics: header.taskMetrics.map(taskMetricsFromWire),
    workerId: header.workerId,
    backend: header.backend,
    computeMs: header.computeMs,
  };
}

/** The tracker's view of a ReportEval request: an evaluation shard has no sum. */
export function toEvalReport(request: ReportEvalRequest): ShardReport {
  return {
    kind: 'eval',
    version: request.version,
    firstBlock: request.firstBlock,
    blockCount: request.blockCount,
    sum: [],
    metrics: request.taskMetrics.map(taskMetricsFromWire),
    workerId: request.workerId,
    backend: request.backend,
    computeMs: request.computeMs,
  };
}
