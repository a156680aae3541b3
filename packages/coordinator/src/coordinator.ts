import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { grpc, HealthService, JobServiceService, WorkerServiceService } from '@metatrain/contract';
import { datasetResolver } from '@metatrain/datasets';
import { authInterceptor } from './auth/grpc-auth';
import { serverCredentials } from './auth/server-credentials';
import { type CompiledCoordinatorOptions, compileCoordinatorOptions, type CoordinatorOptions } from './config/coordinator-options';
import { redactUrl } from './config/redact-url';
import { adaptHandler } from './grpc/adapt-handler';
import { lazyExporter } from './compute/load-metalearn';
import { StoredData } from './data/stored-data';
import { getDataHandler } from './grpc/get-data';
import { uploadDataHandler } from './grpc/upload-data';
import { SPEC_LIMIT_ENV } from './jobs/spec-limits';
import { exportSource } from './grpc/export-source';
import { LazyAdaptEngine } from './compute/lazy-adapt-engine';
import { healthHandlers } from './grpc/health-service';
import { shutdownGrpcServer } from './grpc/shutdown-grpc-server';
import { jobServiceHandlers } from './grpc/job-service';
import { workerServiceHandlers } from './grpc/worker-service';
import { Dashboard } from './dashboard/dashboard';
import { HttpServer } from '@metatrain/http';
import { QUEUE_DEPTH_PATH, queueDepthRoute } from './http/queue-depth-route';
import { JobEventLog } from './jobs/job-events';
import { JobHistory } from './history/job-history';
import { JobManager } from './jobs/job-manager';
import { CoordinatorMetrics } from './metrics/coordinator-metrics';
import { addDepths, BullShardLanes, EMPTY_DEPTH } from './queue/shard-lanes';
import type { QueueDepth } from './queue/shard-queue';
import { ParameterAnnouncer } from './queue/parameter-announcer';
import { RedisJobRegistry } from './registry/redis-job-registry';
import { LeaseKeeper } from './registry/lease-keeper';
import { retryUntilConnected } from './retry-until-connected';
import { openStorage, type OpenedStorage } from '@metatrain/storage';
import { accountedReports } from './workers/accounted-reports';
import { WorkerTable } from './workers/worker-table';

/** Largest gRPC message the server reads (grpc-js answers RESOURCE_EXHAUSTED above it); chunks are ≤ 1 MiB. */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * The coordinator process (docs/ARCHITECTURE.md §2): owns the job registry (under a lease in Redis), runs
 * every active job's rounds, serves JobService, WorkerService and grpc.health.v1 over gRPC and
 * health, metrics and the dashboard over HTTP.
 */
export class Coordinator {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: CompiledCoordinatorOptions,
    private readonly parts: {
      storage: OpenedStorage;
      registry: RedisJobRegistry;
      lease: LeaseKeeper;
      lanes: BullShardLanes;
      announcer: ParameterAnnouncer;
      jobs: JobManager;
      grpcServer: grpc.Server;
      http: HttpServer;
      dashboard: Dashboard;
      adaptEngine: LazyAdaptEngine;
    },
    /** host:port of the gRPC server as bound. */
    readonly grpcAddress: string,
  ) {}

  /** host:port of the HTTP server as bound. */
  get httpAddress(): string {
    return this.parts.http.address;
  }

  /**
   * Connects to Redis and storage (waiting, with a log line, while they are down), takes the
   * registry lease (waiting while another coordinator holds it), starts the servers and
   * resumes every job that was running. A lease lost later (LeaseKeeper) stops the jobs until
   * it is taken back; the process goes on serving.
   */
  static async create(input: CoordinatorOptions): Promise<Coordinator> {
    const options = compileCoordinatorOptions(input);
    const { log } = options;
    // Every storage call retries transient failures with backoff; each retry gets a line, so an
    // outage is visible while it lasts.
    const onRetry = (r: { operation: string; target: string; attempt: number; delayMs: number; reason: string }) =>
      log(`coordinator: storage ${r.operation} ${r.target} failed (${r.reason}); retry ${r.attempt} in ${Math.round(r.delayMs)} ms`, { level: 'warn' });
    const s3 = { onRetry, retry: { deadlineMs: options.storageRetryDeadlineMs } };
    const storage = await retryUntilConnected('storage', () => openStorage(options.storage, { defaultDirectory: './metatrain-data', s3 }), log);
    const registry = await retryUntilConnected(`Redis at ${redactUrl(options.redisUrl)}`, () => RedisJobRegistry.create({ redisUrl: options.redisUrl, prefix: `${options.queuePrefix}:registry` }), log);
    const owner = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    // The jobs exist only once the queue is open; the lease is taken before, so a standby
    // coordinator waits here without touching the queue.
    const ref: { jobs?: JobManager } = {};
    const lease = await LeaseKeeper.create({
      registry,
      owner,
      ttlMs: options.leaseTtlMs,
      log,
      onLost: async () => ref.jobs?.suspend(),
      onRetaken: async () => ref.jobs?.resumeAll(),
    });
    // A queue per lane (pool, backend), opened when a job of the lane first enqueues.
    const lanes = new BullShardLanes({ redisUrl: options.redisUrl, prefix: options.queuePrefix, queueName: options.queueName }, log);
    const announcer = await retryUntilConnected('parameter announcements', () => ParameterAnnouncer.create({ redisUrl: options.redisUrl, prefix: options.queuePrefix, queueName: options.queueName, log }), log);

    const metrics = new CoordinatorMetrics();
    const events = new JobEventLog();
    const history = new JobHistory({ storage: storage.store, events, batching: { flushEveryMs: options.historyFlushMs }, log });
    const workers = new WorkerTable({ heartbeatIntervalMs: options.workerHeartbeatMs, leaseMs: options.workerLeaseMs, quarantineAfter: options.quarantineAfter });
    const data = new StoredData(storage.store, join(options.cacheDir, 'data'));
    const jobs = new JobManager({
      registry,
      lanes,
      storage: storage.store,
      events,
      history,
      observer: metrics,
      shardDeadlineMs: options.shardDeadlineMs,
      workers,
      defaultBackend: options.defaultBackend,
      announce: (lane, announcement) => announcer.announce(lane, announcement),
      exporter: lazyExporter(log),
      dataDir: options.dataDir,
      data,
      datasets: datasetResolver({ dataDir: options.dataDir, cacheDir: options.cacheDir, mirror: options.datasetMirror, log }),
      limits: options.limits,
      log,
    });
    ref.jobs = jobs;
    const adaptEngine = new LazyAdaptEngine(log);
    const grpcServer = new grpc.Server({
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      interceptors: [authInterceptor({ token: options.token, workerCertificates: options.tls?.clientCa !== undefined, onRefused: (reason) => metrics.callRefused(reason) })],
    });
    grpcServer.addService(JobServiceService, jobServiceHandlers({
        jobs,
        history,
        storage: storage.store,
        workers,
        adapt: adaptHandler(exportSource(jobs, storage.store, log), { engine: adaptEngine, log }),
        uploadData: uploadDataHandler({ data, maxBytes: options.limits.maxDataBytes, limitVariable: SPEC_LIMIT_ENV.maxDataBytes }),
      }),
    );
    grpcServer.addService(
      WorkerServiceService,
      workerServiceHandlers({
        workers,
        parameters: jobs,
        // No job this coordinator admits has larger block sums per round (a report carries at
        // most a round's): a bigger report is refused as it streams in.
        maxReportBytes: options.limits.maxRoundBytes,
        reports: accountedReports({ jobs, workers, metrics, log }),
        getData: getDataHandler({ data, job: (jobId) => jobs.get(jobId) }),
      }),
    );
    grpcServer.addService(HealthService, healthHandlers(() => lease.held));
    const grpcPort = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync(`${options.host}:${options.grpcPort}`, serverCredentials(options.tls), (err, port) => (err ? reject(err) : resolve(port))),
    );

    metrics.onScrape(async () => {
      metrics.setQueueDepth(await lanes.depth());
      metrics.setWorkerCounts(workers.counts());
      const counts: Record<string, number> = { QUEUED: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 };
      for (const job of await jobs.list()) counts[job.state] = (counts[job.state] ?? 0) + 1;
      metrics.setJobCounts(counts);
    });
    const http = await HttpServer.create({
      host: options.host,
      port: options.httpPort,
      metrics,
      token: options.token,
      readiness: () => Promise.resolve(lease.held ? { ready: true, reasons: [] } : { ready: false, reasons: ['the registry lease is not held'] }),
    });
    // For KEDA: the backlog the workers of each pool scale on (infra/k8s, docs/DEPLOY.md).
    // A job waiting for the first worker of its pool counts as a waiting shard, so a pool
    // scaled to zero comes up for it.
    const backlog = async (pool: string | undefined): Promise<QueueDepth> => addDepths([await lanes.depth(pool), awaiting(pool === undefined ? 0 : jobs.awaitingWorkers(pool))]);
    http.addRoute(QUEUE_DEPTH_PATH, queueDepthRoute(backlog, 2000));
    const dashboard = Dashboard.mount(http, { jobs, events, history, workers, storage: storage.store, token: options.token });
    const coordinator = new Coordinator(options, { storage, registry, lease, lanes, announcer, jobs, grpcServer, http, dashboard, adaptEngine }, `${options.host}:${grpcPort}`);
    await jobs.resumeAll();
    log(`coordinator: storage ${storage.location}, grpc ${describeSecurity(options)}`);
    return coordinator;
  }

  /**
   * Stops serving, lets every job finish its current round and checkpoint (they stay RUNNING
   * for the next coordinator), then releases the lease and closes connections; idempotent.
   * Ends within `shutdownTimeoutMs` whatever is unreachable.
   * @throws Error naming the step that did not finish in time (the rest is left undone)
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const { grpcServer, jobs, lease, lanes, announcer, registry, storage, http, dashboard, adaptEngine } = this.parts;
      const steps: Array<[string, () => Promise<void>]> = [
        ['lease', () => lease.close()],
        ['jobs', () => jobs.close()],
        ['grpc', () => shutdownGrpcServer(grpcServer, 5000)],
        [
          'http',
          () => {
            dashboard.close(); // its event streams would hold the server open
            return http.close();
          },
        ],
        ['adaptation threads', () => adaptEngine.close()],
        ['queues', () => lanes.close()],
        ['parameter announcements', () => announcer.close()],
        ['registry', () => registry.close()],
        ['storage', () => storage.close()],
      ];
      let current = '';
      const run = async (): Promise<void> => {
        for (const [name, step] of steps) {
          current = name;
          await step().catch((err: unknown) => this.options.log(`coordinator: closing ${name} failed: ${String(err)}`, { level: 'error' }));
        }
      };
      // Redis or storage away (a close waiting for them for ever) must not keep the process:
      // what is left after the timeout is left; running jobs resume from their last checkpoint.
      const { shutdownTimeoutMs } = this.options;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs)));
      const end = await Promise.race([run(), timedOut]);
      clearTimeout(timer);
      if (end === 'timeout') throw new Error(`closing ${current} did not finish within SHUTDOWN_TIMEOUT_MS (${shutdownTimeoutMs} ms); stopped without it`);
    })());
  }
}


/** `jobs` jobs waiting, as a depth. */
function awaiting(jobs: number): QueueDepth {
  return { ...EMPTY_DEPTH, waiting: jobs, total: jobs };
}

/** How the gRPC server is protected, for the startup log line. */
function describeSecurity(options: CompiledCoordinatorOptions): string {
  const transport = !options.tls ? 'plaintext' : options.tls.clientCa ? 'TLS, client certificates required of workers' : 'TLS';
  return `${transport}, ${options.token === undefined ? 'no token' : 'bearer token required'}`;
}
