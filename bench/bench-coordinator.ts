import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  accountedReports,
  BullShardQueue,
  CoordinatorMetrics,
  getDataHandler,
  JobEventLog,
  JobHistory,
  jobServiceHandlers,
  JobManager,
  type JobObserver,
  RedisJobRegistry,
  shutdownGrpcServer,
  StoredData,
  workerServiceHandlers,
  WorkerTable,
} from '@metatrain/coordinator';
import { createComputeContext, exportModel, selectBackend } from '@metatrain/metalearn';
import { datasetResolver } from '@metatrain/datasets';
import { MemoryStore } from '@metatrain/storage';
import { DEFAULT_QUEUE_NAME, grpc, JobServiceService, JobState, laneQueueName, WorkerServiceService } from '@metatrain/contract';
import { deleteKeys } from '@metatrain/coordinator/testing';

/** What {@link startBenchCoordinator} needs. */
export interface BenchCoordinatorOptions {
  redisUrl: string;
  /** Told every round, every overhead sample and every re-enqueue. */
  observer: JobObserver;
  /** The compute slots `shardSize: auto` sizes for; the registered workers' count when absent (as in production). */
  computeSlots?: () => number;
  /** How long before missing blocks are asked for again. @default 600000: never, within a bench */
  shardDeadlineMs?: number;
  log?: (line: string) => void;
}

/** A running bench coordinator: the job side and the gRPC address workers connect to. */
export interface BenchCoordinator {
  manager: JobManager;
  /** The queue of the bench's one lane, {@link BENCH_LANE}: every job's shards. */
  queue: BullShardQueue;
  registry: RedisJobRegistry;
  /** Workers as the coordinator sees them (registrations and heartbeats). */
  workers: WorkerTable;
  /** `127.0.0.1:port` of WorkerService. */
  address: string;
  /** The Redis key prefix of this coordinator's queue and registry (unique per start). */
  prefix: string;
  /** Resolves when job `jobId` SUCCEEDED; rejects when it ended otherwise. */
  jobEnded(jobId: string): Promise<void>;
  /** Closes everything and deletes this coordinator's Redis keys; each step runs even if one before failed. */
  close(): Promise<void>;
}

/**
 * The coordinator's job side as `Coordinator.create` wires it, in this process, so that a bench
 * can observe its rounds: `JobManager` with `RedisJobRegistry` and `BullShardQueue` on real
 * Redis, a `WorkerTable` fed by the workers' registrations and heartbeats, reports counted per
 * worker (`accountedReports`), WorkerService on grpc-js at 127.0.0.1. JobService too (workers
 * read specs with GetJob), without Adapt and UploadData. Left out: the lease, HTTP and the dashboard (none is on a round's path); checkpoints go to memory.
 */
/** Every bench job's lane: the default pool, on cpu (the compute stub's backend; simulated workers report it). */
export const BENCH_LANE = { pool: 'default', backend: 'cpu' } as const;

export async function startBenchCoordinator(options: BenchCoordinatorOptions): Promise<BenchCoordinator> {
  // The export at a job's end computes (Coordinator.create's lazyExporter selects the backend then).
  backend ??= selectBackend({ log: () => undefined });
  await backend;
  const prefix = `mt-bench-${process.pid}-${randomUUID().slice(0, 8)}`;
  const log = options.log ?? ((line: string): void => void process.stderr.write(`${line}\n`));
  const cleanup: Array<[string, () => Promise<unknown>]> = [['redis keys', () => deleteKeys(options.redisUrl, prefix)]];
  const close = async (): Promise<void> => {
    for (const [name, step] of cleanup.reverse()) await step().catch((err: unknown) => log(`bench coordinator: closing ${name} failed: ${String(err)}`));
  };
  try {
    const registry = await RedisJobRegistry.create({ redisUrl: options.redisUrl, prefix: `${prefix}:registry` });
    cleanup.push(['registry', () => registry.close()]);
    // Workers with WORKER_POOL default on cpu read this queue (METATRAIN_QUEUE_NAME: DEFAULT_QUEUE_NAME).
    const queue = await BullShardQueue.create({ redisUrl: options.redisUrl, prefix, queueName: laneQueueName(DEFAULT_QUEUE_NAME, BENCH_LANE) });
    cleanup.push(['queue', () => queue.close()]);
    const events = new JobEventLog();
    const storage = new MemoryStore();
    const history = new JobHistory({ storage, events, log });
    const data = new StoredData(storage, join(tmpdir(), 'metatrain-bench-data'));
    const workers = new WorkerTable();
    const manager = new JobManager({
      registry,
      lanes: { queue: async () => queue, depth: () => queue.depth() },
      storage,
      events,
      history,
      observer: options.observer,
      shardDeadlineMs: options.shardDeadlineMs ?? 600_000,
      workers: { computeSlots: options.computeSlots ?? ((lane) => workers.computeSlots(lane)), backendsOf: (pool) => workers.backendsOf(pool) },
      defaultBackend: BENCH_LANE.backend,
      exporter: (setup) => (params, info) => exportModel(createComputeContext(setup.spec, setup.family), params, info),
      data,
      dataDir: process.cwd(),
      datasets: datasetResolver({ dataDir: process.cwd() }),
      log,
    });
    cleanup.push(['jobs', () => manager.close()]);
    const server = new grpc.Server();
    const reports = accountedReports({ jobs: manager, workers, metrics: new CoordinatorMetrics(), log });
    // Workers read a job's spec with JobService.GetJob; Adapt and UploadData are not on a round's path.
    const unimplemented = (_call: unknown, callback: (error: grpc.ServiceError) => void): void =>
      callback(Object.assign(new Error('not served by the bench coordinator'), { code: grpc.status.UNIMPLEMENTED, details: 'not served by the bench coordinator', metadata: new grpc.Metadata() }));
    server.addService(JobServiceService, jobServiceHandlers({ jobs: manager, history, storage, workers, adapt: unimplemented, uploadData: unimplemented }));
    server.addService(WorkerServiceService, workerServiceHandlers({ workers, parameters: manager, reports, getData: getDataHandler({ data, job: (id) => manager.get(id) }) }));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    cleanup.push(['grpc', () => shutdownGrpcServer(server, 2000)]);
    const jobEnded = (jobId: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const stop = events.subscribe(jobId, (event) => {
          if (event.kind?.$case !== 'stateChanged') return;
          const { state, error } = event.kind.value;
          if (state === JobState.SUCCEEDED) resolve();
          else if (state === JobState.FAILED || state === JobState.CANCELLED) reject(new Error(`job ${jobId} ended ${JobState[state]}: ${error}`));
          else return;
          setImmediate(() => stop());
        });
      });
    return { manager, queue, registry, workers, address: `127.0.0.1:${port}`, prefix, jobEnded, close };
  } catch (error) {
    await close();
    throw error;
  }
}

let backend: Promise<unknown> | undefined;

