import type { Log, ParamSet } from '@metatrain/core';
import type { ReportEvalRequest, ReportHeader } from '@metatrain/contract';
import { PermissionDeniedError } from '../grpc/grpc-errors';
import type { ReportSink } from '../grpc/report-sink';
import { reportStatus, type ShardReportStatus } from '../metrics/coordinator-metrics';
import type { AcceptOutcome } from '../rounds/shard-report';
import type { WorkerTable } from './worker-table';

/** What {@link accountedReports} works with. */
export interface AccountedReportsDeps {
  /** The jobs' round trackers (JobManager). */
  jobs: ReportSink;
  workers: WorkerTable;
  metrics: { shardReported(status: ShardReportStatus): void };
  log: Log;
}

/**
 * The coordinator's ReportSink: refuses every report of a quarantined worker
 * (PERMISSION_DENIED, counted nowhere), hands the others — shards and evaluation shards — to
 * the jobs, and counts each answer
 * once, in `metatrain_shards_reported_total` and in the worker's row. Only ACCEPTED adds to
 * a worker's `shardsDone`, so a shard computed twice (a straggler's copy, a retry) is
 * counted once.
 */
export function accountedReports(deps: AccountedReportsDeps): ReportSink {
  const { jobs, workers, metrics, log } = deps;
  const admit = (workerId: string): void => {
    const standing = workers.standing(workerId);
    if (standing.quarantined) throw new PermissionDeniedError('header.worker_id', `worker ${workerId} is quarantined: ${standing.reason}`);
  };
  const count = (workerId: string, jobId: string, outcome: AcceptOutcome): void => {
    metrics.shardReported(reportStatus(outcome));
    const quarantined = workers.reportAnswered(workerId, outcome);
    if (quarantined) log(`coordinator: worker ${workerId} quarantined (${quarantined}); its reports are refused and it takes no shards`, { jobId, level: 'warn' });
  };
  return {
    async reportShard(header: ReportHeader, sum: ParamSet): Promise<AcceptOutcome> {
      admit(header.workerId);
      const outcome = await jobs.reportShard(header, sum);
      count(header.workerId, header.jobId, outcome);
      return outcome;
    },
    async reportEval(request: ReportEvalRequest): Promise<AcceptOutcome> {
      admit(request.workerId);
      const outcome = await jobs.reportEval(request);
      count(request.workerId, request.jobId, outcome);
      return outcome;
    },
    reportUnreadable(header: ReportHeader, reason: string): void {
      admit(header.workerId);
      count(header.workerId, header.jobId, { rejected: reason });
    },
  };
}
