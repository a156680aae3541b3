import { type ParamSet, type ParamShape, planBlocks } from '@metatrain/core';
import { grpc, type ReportEvalRequest, type ReportHeader, WorkerServiceClient, type WorkerServiceServer, WorkerServiceService } from '@metatrain/contract';
import { ShardTracker } from '../../rounds/shard-tracker';
import type { AcceptOutcome } from '../../rounds/shard-report';
import { NotFoundError } from '../grpc-errors';
import type { ParameterSource } from '../parameter-source';
import { toEvalReport, toShardReport, type ReportSink } from '../report-sink';
import { shutdownGrpcServer } from '../shutdown-grpc-server';

/** A deadline `seconds` from now: every test call has one, as every real call must. */
export const inSeconds = (seconds: number): Date => new Date(Date.now() + seconds * 1000);

/** One job of {@link FakeJobs}: the versions it holds and the round it is collecting. */
export interface FakeJob {
  versions: Map<number, ParamSet>;
  tracker: ShardTracker;
  /** The evaluation it is collecting, if any (set by the test). */
  evaluation?: ShardTracker;
  /** Every report the sink was handed, in arrival order. */
  reports: Array<{ header: ReportHeader; sum: ParamSet }>;
}

/** A stand-in for the job registry: parameters by version, one ShardTracker per job. */
export class FakeJobs implements ParameterSource, ReportSink {
  readonly jobs = new Map<string, FakeJob>();

  add(jobId: string, options: { version: number; layout: ParamShape[]; metaBatchSize: number; blockSize: number; versions?: Map<number, ParamSet> }): FakeJob {
    const tracker = new ShardTracker({ kind: 'train', version: options.version, layout: options.layout, blocks: planBlocks(options.metaBatchSize, options.blockSize) });
    const job = { versions: options.versions ?? new Map(), tracker, reports: [] };
    this.jobs.set(jobId, job);
    return job;
  }

  getParameters(jobId: string, version: number): ParamSet | undefined {
    return this.job(jobId, 'job_id').versions.get(version);
  }

  reportShard(header: ReportHeader, sum: ParamSet): AcceptOutcome {
    const job = this.job(header.jobId, 'header.job_id');
    job.reports.push({ header, sum });
    return job.tracker.accept(toShardReport(header, sum));
  }

  reportEval(request: ReportEvalRequest): AcceptOutcome {
    return this.job(request.jobId, 'job_id').evaluation?.accept(toEvalReport(request)) ?? 'STALE';
  }

  private job(jobId: string, field: string): FakeJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new NotFoundError(field, `no job ${JSON.stringify(jobId)}`);
    return job;
  }
}

/** A real grpc-js server on 127.0.0.1:0 and a client of it; `close()` is idempotent. */
export interface WorkerServiceFixture {
  client: WorkerServiceClient;
  close(): Promise<void>;
}

/** Serves `handlers` (the others answer UNIMPLEMENTED) and connects a client. */
export async function startWorkerService(handlers: Partial<WorkerServiceServer>): Promise<WorkerServiceFixture> {
  const server = new grpc.Server();
  const unimplemented = (call: { emit(event: 'error', error: unknown): unknown }, callback?: (error: { code: grpc.status; details: string }) => void): void => {
    const error = { code: grpc.status.UNIMPLEMENTED, details: 'not part of this test' };
    if (callback) callback(error);
    else call.emit('error', error); // a server-streaming call has no callback
  };
  server.addService(WorkerServiceService, { registerWorker: unimplemented, heartbeat: unimplemented, getParameters: unimplemented, reportShard: unimplemented, reportEval: unimplemented, getData: unimplemented, ...handlers });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  const client = new WorkerServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  let closing: Promise<void> | undefined;
  return {
    client,
    close: () =>
      (closing ??= (() => {
        client.close();
        // A call left hanging must not hang the suite: force after a grace period.
        return shutdownGrpcServer(server, 2000);
      })()),
  };
}
