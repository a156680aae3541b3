import { type AcceptOutcome, getParametersHandler, NotFoundError, reportEvalHandler, reportShardHandler, ShardTracker, toEvalReport, toShardReport, WorkerTable } from '@metatrain/coordinator';
import { type ParamSet, type ParamShape, planBlocks } from '@metatrain/core';
import { type GetJobRequest, type GetJobResponse, grpc, type HeartbeatRequest, type HeartbeatResponse, JobServiceService, JobState, type RegisterWorkerRequest, type RegisterWorkerResponse, type ReportEvalRequest, type ReportHeader, WorkerServiceService } from '@metatrain/contract';

// A stand-in coordinator for worker tests, built from the coordinator's own WorkerService
// pieces (GetParameters and ReportShard handlers, ShardTracker, WorkerTable) plus GetJob and
// Register/Heartbeat, on a real grpc-js server. The test drives what a real coordinator's
// round loop would: which versions a job holds, which round it collects, and (through
// `beforeVerdict`) when and what ReportShard answers.

/** One job: its spec, the parameter versions it holds, the round it collects and what came in. */
export interface TestJob {
  specText: string;
  versions: Map<number, ParamSet>;
  tracker: ShardTracker;
  /** The evaluation the job collects, if the test set one; ReportEval is STALE without. */
  evaluation?: ShardTracker;
  /** Every report handed to the sink, in arrival order, with the tracker's verdict. */
  reports: Array<{ header: ReportHeader; sum: ParamSet; outcome: AcceptOutcome }>;
}

/**
 * Runs before the tracker sees a report: may wait (to hold the answer back), and may return
 * an outcome to answer instead of the tracker's (REJECTED, say). Undefined lets the tracker decide.
 */
export type VerdictHook = (header: ReportHeader) => Promise<AcceptOutcome | undefined> | AcceptOutcome | undefined;

export interface TestCoordinatorOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** Told to workers at registration. @default 5000 */
  heartbeatIntervalMs?: number;
}

export class TestCoordinator {
  readonly jobs = new Map<string, TestJob>();
  /** Every call's method name (`getParameters`, ...), in order. */
  readonly calls: string[] = [];
  /** The `authorization` metadata of every call, in order ('' when absent). */
  readonly authorization: string[] = [];
  /** Every RegisterWorker request. */
  readonly registrations: RegisterWorkerRequest[] = [];
  /** Every Heartbeat request. */
  readonly heartbeats: HeartbeatRequest[] = [];
  beforeVerdict: VerdictHook | undefined;
  /** The worker table; `forgetWorkers()` replaces it, as a restarted coordinator would have. */
  workers: WorkerTable;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: grpc.Server,
    readonly address: string,
    private readonly heartbeatIntervalMs: number,
  ) {
    this.workers = new WorkerTable({ heartbeatIntervalMs });
  }

  static async create(options: TestCoordinatorOptions = {}): Promise<TestCoordinator> {
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
    const coordinator = new TestCoordinator(server, `127.0.0.1:${port}`, options.heartbeatIntervalMs ?? 5000);
    coordinator.serve();
    return coordinator;
  }

  /** Adds a job collecting round `version`, holding parameter version `version` = `params`. */
  addJob(jobId: string, specText: string, options: { version: number; params: ParamSet; layout: ParamShape[]; metaBatchSize: number; blockSize: number }): TestJob {
    const tracker = new ShardTracker({ kind: 'train', version: options.version, layout: options.layout, blocks: planBlocks(options.metaBatchSize, options.blockSize) });
    const job: TestJob = { specText, versions: new Map([[options.version, options.params]]), tracker, reports: [] };
    this.jobs.set(jobId, job);
    return job;
  }

  /** Forgets every registered worker, as a coordinator restart does. */
  forgetWorkers(): void {
    this.workers = new WorkerTable({ heartbeatIntervalMs: this.heartbeatIntervalMs });
  }

  close(): Promise<void> {
    return (this.closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    }));
  }

  private job(jobId: string, field: string): TestJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new NotFoundError(field, `no job ${JSON.stringify(jobId)}`);
    return job;
  }

  private serve(): void {
    const parameters = { getParameters: (jobId: string, version: number) => this.job(jobId, 'job_id').versions.get(version) };
    const reports = {
      reportShard: async (header: ReportHeader, sum: ParamSet): Promise<AcceptOutcome> => {
        const job = this.job(header.jobId, 'header.job_id');
        const override = await this.beforeVerdict?.(header);
        const outcome = override ?? job.tracker.accept(toShardReport(header, sum));
        job.reports.push({ header, sum, outcome });
        return outcome;
      },
      reportEval: (request: ReportEvalRequest): AcceptOutcome => this.job(request.jobId, 'job_id').evaluation?.accept(toEvalReport(request)) ?? 'STALE',
    };
    const registerWorker: grpc.handleUnaryCall<RegisterWorkerRequest, RegisterWorkerResponse> = (call, callback) => {
      this.registrations.push(call.request);
      const standing = this.workers.register(call.request);
      callback(null, { leaseMs: this.workers.leaseMs, heartbeatIntervalMs: this.workers.heartbeatIntervalMs, quarantined: standing.quarantined, quarantineReason: standing.reason });
    };
    const heartbeat: grpc.handleUnaryCall<HeartbeatRequest, HeartbeatResponse> = (call, callback) => {
      this.heartbeats.push(call.request);
      const { workerId, currentShard } = call.request;
      const standing = this.workers.heartbeat(workerId, currentShard);
      callback(null, { registered: standing !== undefined, leaseMs: this.workers.leaseMs, quarantined: standing?.quarantined ?? false, quarantineReason: standing?.reason ?? '' });
    };
    const getJob: grpc.handleUnaryCall<GetJobRequest, GetJobResponse> = (call, callback) => {
      const job = this.jobs.get(call.request.jobId);
      if (!job) {
        callback({ code: grpc.status.NOT_FOUND, details: `job_id: no job ${JSON.stringify(call.request.jobId)}` });
        return;
      }
      const now = Date.now();
      callback(null, {
        job: { id: call.request.jobId, name: call.request.jobId, algorithm: '', taskFamily: '', state: JobState.RUNNING, roundsCompleted: job.tracker.version, totalRounds: 0, createdAtMs: now, updatedAtMs: now, error: '', spec: job.specText, pool: 'default', backend: 'wasm' },
      });
    };
    const unimplemented = (call: { emit(event: 'error', error: unknown): unknown }, callback?: (error: unknown) => void): void => {
      const error = { code: grpc.status.UNIMPLEMENTED, details: 'not part of the test coordinator' };
      if (callback) callback(error);
      else call.emit('error', error); // a server-streaming call has no callback
    };
    // Records the metadata of every call before handing it on (every handler takes the call first).
    const recorded = <T extends object>(handlers: T): T =>
      Object.fromEntries(
        Object.entries(handlers).map(([name, handler]) => [
          name,
          (call: { metadata: grpc.Metadata }, ...rest: unknown[]) => {
            this.calls.push(name);
            this.authorization.push(String(call.metadata.get('authorization')[0] ?? ''));
            return (handler as (...args: unknown[]) => unknown)(call, ...rest);
          },
        ]),
      ) as T;
    this.server.addService(WorkerServiceService, recorded({ registerWorker, heartbeat, getParameters: getParametersHandler(parameters), reportShard: reportShardHandler(reports), reportEval: reportEvalHandler(reports) }));
    this.server.addService(
      JobServiceService,
      recorded({ getJob, submitJob: unimplemented, listJobs: unimplemented, cancelJob: unimplemented, watchJob: unimplemented, exportModel: unimplemented, adapt: unimplemented, listWorkers: unimplemented }),
    );
  }
}
