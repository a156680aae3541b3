import type { ParamSet } from '@metatrain/core';
import { channelCredentials, type ClientTls, fetchData, fetchParameters, grpc, type HeartbeatRequest, type HeartbeatResponse, JobServiceClient, type RegisterWorkerRequest, type RegisterWorkerResponse, reportEval, type ReportEvalRequest, type ReportEvalResponse, type ReportHeader, reportPayload, reportShard, type ReportShardResponse, type TensorChunk, WorkerServiceClient } from '@metatrain/contract';

/** Largest data file a worker fetches (the coordinator limits uploads far below it: MAX_DATA_BYTES). */
const MAX_DATA_BYTES = 4 * 1024 * 1024 * 1024 - 1;

/** Where the coordinator is and how to talk to it. */
export interface CoordinatorClientOptions {
  /** `host:port` of its gRPC server. */
  address: string;
  /** Sent as `authorization: Bearer <token>` on every call when set. */
  token: string | undefined;
  /** TLS (with a client certificate for mutual TLS) when set; plaintext otherwise. */
  tls: ClientTls | undefined;
  /** Deadline of unary calls. */
  rpcTimeoutMs: number;
  /** Deadline of GetParameters and ReportShard (they move whole parameter sets). */
  transferTimeoutMs: number;
}

/** Adds `authorization: Bearer <token>` to the metadata of every call of a client. */
export function bearerTokenInterceptor(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/**
 * The worker's side of the coordinator's gRPC API: WorkerService (register, heartbeat,
 * parameters, reports) and JobService.GetJob (the spec of a job). Every call has a deadline
 * (docs/ARCHITECTURE.md §8). grpc-js connects lazily, so constructing opens nothing; `close()` closes
 * both channels and is idempotent.
 */
export class CoordinatorClient {
  private readonly workers: WorkerServiceClient;
  private readonly jobs: JobServiceClient;
  private closed = false;

  constructor(private readonly options: CoordinatorClientOptions) {
    const clientOptions: Partial<grpc.ClientOptions> = options.token === undefined ? {} : { interceptors: [bearerTokenInterceptor(options.token)] };
    const credentials = channelCredentials(options.tls);
    this.workers = new WorkerServiceClient(options.address, credentials, clientOptions);
    this.jobs = new JobServiceClient(options.address, credentials, clientOptions);
  }

  get address(): string {
    return this.options.address;
  }

  registerWorker(request: RegisterWorkerRequest): Promise<RegisterWorkerResponse> {
    return new Promise((resolve, reject) => {
      this.workers.registerWorker(request, new grpc.Metadata(), { deadline: this.deadline(this.options.rpcTimeoutMs) }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }

  heartbeat(request: HeartbeatRequest): Promise<HeartbeatResponse> {
    return new Promise((resolve, reject) => {
      this.workers.heartbeat(request, new grpc.Metadata(), { deadline: this.deadline(this.options.rpcTimeoutMs) }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }

  /** The spec text of `jobId` as submitted (GetJob). @throws NOT_FOUND for an unknown job. */
  getJobSpec(jobId: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.jobs.getJob({ jobId }, new grpc.Metadata(), { deadline: this.deadline(this.options.rpcTimeoutMs) }, (error, response) => {
        if (error) reject(error);
        else if (!response.job || response.job.spec === '') reject(new Error(`GetJob(${jobId}): the coordinator answered without the job's spec`));
        else resolve(response.job.spec);
      });
    });
  }

  /** Parameter version `version` of `jobId`, decoded and checksum-verified. */
  fetchParameters(jobId: string, version: number): Promise<ParamSet> {
    return fetchParameters(this.workers, jobId, version, this.deadline(this.options.transferTimeoutMs));
  }

  /** The data file `sha256` that job `jobId` names, checksum-verified. */
  fetchData(jobId: string, sha256: string): Promise<Uint8Array> {
    return fetchData(this.workers, jobId, sha256, this.deadline(this.options.transferTimeoutMs), MAX_DATA_BYTES);
  }

  /** Reports one shard's sum; resolves with the coordinator's verdict. */
  reportShard(header: ReportHeader, blockSums: readonly ParamSet[]): Promise<ReportShardResponse> {
    return reportShard(this.workers, header, blockSums, this.deadline(this.options.transferTimeoutMs));
  }

  /** Reports one shard whose sum is already chunked, sent as it is (test faults corrupt it). */
  reportPayload(header: ReportHeader, chunks: readonly TensorChunk[]): Promise<ReportShardResponse> {
    return reportPayload(this.workers, header, chunks, this.deadline(this.options.transferTimeoutMs));
  }

  /** Reports one evaluation shard's per-task results; resolves with the coordinator's verdict. */
  reportEval(request: ReportEvalRequest): Promise<ReportEvalResponse> {
    return reportEval(this.workers, request, this.deadline(this.options.rpcTimeoutMs));
  }

  /** Closes both channels; new calls fail at once. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.workers.close();
    this.jobs.close();
  }

  private deadline(ms: number): Date {
    return new Date(Date.now() + ms);
  }
}
