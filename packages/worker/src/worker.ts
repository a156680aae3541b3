import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import type { HttpServer } from '@metatrain/http';
import type { BackendInfo } from '@metatrain/core';
import { laneQueueName } from '@metatrain/contract';
import { datasetResolver } from '@metatrain/datasets';
import { ParameterSource } from './cache/parameter-source';
import { startCompute, type WorkerCompute } from './compute/start-compute';
import { compileWorkerOptions, type CompiledWorkerOptions, type WorkerOptions } from './config/worker-options';
import { CoordinatorClient } from './grpc/coordinator-client';
import { fetchPublished } from './grpc/fetch-published';
import { ParameterAnnouncements } from './queue/parameter-announcements';
import { ShardConsumer } from './queue/shard-consumer';
import { Registration } from './registration/registration';
import { withTestFaults } from './faults/faulty-coordinator';
import { startWorkerHttp, workerReadiness, type WorkerPhase } from './http/worker-http';
import { WorkerMetrics } from './http/worker-metrics';
import { QuarantineGate } from './registration/quarantine-gate';
import { fetchJobData } from './shards/job-data';
import { ShardProcessor } from './shards/shard-processor';
import { WORKER_VERSION } from './version';

/** How long closing the connections may take after the shard's grace period. */
const CLOSE_MARGIN_MS = 5000;

interface Parts {
  compute: WorkerCompute;
  parameters: ParameterSource;
  announcements: ParameterAnnouncements;
  client: CoordinatorClient;
  processor: ShardProcessor;
  registration: Registration;
  consumer: ShardConsumer;
  http: HttpServer | undefined;
  /** Read by `/readyz`. */
  phase: { now: WorkerPhase };
}

/**
 * A metatrain worker (docs/ARCHITECTURE.md §5): registers with the coordinator and heartbeats,
 * takes shards from the BullMQ queue, as many at once as it has compute threads (`threads`),
 * computes each in a worker thread from θ fetched once per version in the main thread (and
 * prefetched when the coordinator announces a version), reports them over gRPC and completes
 * each queue job only after the coordinator answered.
 *
 * `create()` returns once the worker consumes; `close()` stops taking shards, lets those in
 * hand finish within `shutdownGraceMs` (then hands them back to the queue) and closes
 * everything, within 5 s more whatever is unreachable. Idempotent. While the coordinator quarantines the worker, it takes no shards
 * (QuarantineGate). With `httpPort` set it serves `/healthz`, `/readyz` and `/metrics` from
 * the start, so probes see a worker that waits for Redis or the coordinator as alive.
 */
export class Worker {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: CompiledWorkerOptions,
    private readonly parts: Parts,
  ) {}

  /**
   * Starts the compute threads (each selects the backend; the compute stub instead with
   * `fakeCompute`, test mode only), connects to Redis and registers
   * with the coordinator (waiting for each, with log lines, while it is unreachable), then
   * starts consuming shards.
   *
   * @throws ConfigError for a bad option; BackendError (from @metatrain/metalearn) when a
   *   forced backend cannot be used; RegistrationError when the coordinator refuses the
   *   worker; WorkerClosedError when `options.signal` aborts the start.
   */
  static async create(options: WorkerOptions): Promise<Worker> {
    const compiled = compileWorkerOptions(options);
    const { log } = compiled;
    const cleanups: Array<() => Promise<void> | void> = [];
    const cleanup = async (): Promise<void> => {
      for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => undefined);
    };
    const phase: Parts['phase'] = { now: 'starting' };
    const quarantine = new QuarantineGate(log);
    // Read at each scrape; the parts exist once they are made (the HTTP port serves before).
    const made: { consumer?: ShardConsumer; parameters?: ParameterSource } = {};
    let announcementsHeard = 0;
    const metrics = new WorkerMetrics(() => ({
      currentShards: made.consumer?.currentShards ?? [],
      quarantined: quarantine.quarantined,
      threads: compiled.threads,
      parameterFetches: made.parameters?.fetches ?? 0,
      parameterPrefetches: made.parameters?.prefetches ?? 0,
      announcementsHeard,
    }));
    try {
      const http = await startWorkerHttp(compiled, metrics, () => workerReadiness(phase.now, quarantine.quarantineReason));
      if (http) {
        cleanups.push(() => http.close());
        log(`worker: http on ${http.address}`);
      }
      const datasets = datasetResolver({ dataDir: compiled.dataDir, cacheDir: compiled.cacheDir, mirror: compiled.datasetMirror, log });
      const compute = await startCompute(compiled);
      cleanups.push(() => compute.close());
      const client = new CoordinatorClient({
        address: compiled.coordinatorAddress,
        token: compiled.token,
        tls: compiled.tls,
        rpcTimeoutMs: compiled.rpcTimeoutMs,
        transferTimeoutMs: compiled.transferTimeoutMs,
      });
      cleanups.push(() => client.close());
      metrics.identify({ workerId: compiled.workerId, backend: compute.backend.name, device: compute.backend.device, version: WORKER_VERSION });
      const parameters = new ParameterSource({ fetch: (jobId, version) => fetchPublished((j, v) => client.fetchParameters(j, v), jobId, version), log });
      made.parameters = parameters;
      const processor = new ShardProcessor({
        coordinator: compiled.faults ? withTestFaults(client, compiled.faults) : client,
        compute,
        parameters,
        workerId: compiled.workerId,
        log,
        onShard: (event) => {
          metrics.shardDone(event);
          compiled.onShard(event);
        },
        onRefused: (reason) => quarantine.enter(reason),
        jobData: (jobId, specText, signal) =>
          fetchJobData(specText, { datasets, cacheDir: join(compiled.cacheDir, 'data'), fetchStored: (sha256) => client.fetchData(jobId, sha256) }, signal),
      });
      // The queue of this worker's pool and of the backend its threads run: no other shards.
      const queueName = laneQueueName(compiled.queueName, { pool: compiled.pool, backend: compute.backend.name });
      // Redis first, then the coordinator, then shards: a worker started before either waits
      // for both, saying so, and takes no shard before it is registered.
      const consumer = await ShardConsumer.create(
        {
          redisUrl: compiled.redisUrl,
          prefix: compiled.queuePrefix,
          queueName,
          log,
          signal: compiled.signal,
          lockDurationMs: compiled.lockDurationMs,
          stalledIntervalMs: compiled.stalledIntervalMs,
          concurrency: compute.size,
        },
        (queueJobId, message, signal) => processor.process(queueJobId, message, signal),
        {
          onBadMessage: (queueJobId, reason) => log(`worker: failed queue job ${queueJobId}: ${reason}`),
          onHandedBack: (queueJobId) => log(`worker: handed shard ${queueJobId} back to the queue`),
        },
      );
      cleanups.push(() => consumer.close(0));
      made.consumer = consumer;
      // θ of a job this worker holds is fetched as soon as the coordinator publishes it.
      const announcements = ParameterAnnouncements.create({
        redisUrl: compiled.redisUrl,
        prefix: compiled.queuePrefix,
        queueName,
        log,
        onAnnounced: ({ jobId, version }) => {
          announcementsHeard++;
          parameters.prefetch(jobId, version);
        },
      });
      cleanups.push(() => announcements.close());
      const registration = await Registration.create({
        client,
        identity: {
          workerId: compiled.workerId,
          backend: compute.backend.name,
          device: compute.backend.device,
          cores: availableParallelism(),
          threads: compute.size,
          pool: compiled.pool,
          hostname: hostname(),
          version: WORKER_VERSION,
        },
        status: () => ({ currentShard: consumer.currentShards.join(','), shardsDone: processor.shardsDone }),
        onStanding: (standing) => quarantine.update(standing),
        log,
        signal: compiled.signal,
      });
      quarantine.attach(consumer);
      consumer.start();
      phase.now = 'running';
      return new Worker(compiled, { compute, parameters, announcements, client, processor, registration, consumer, http, phase });
    } catch (error) {
      await cleanup();
      throw error;
    }
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** The worker's pool (WORKER_POOL). */
  get pool(): string {
    return this.options.pool;
  }

  /** The compute backend of this worker's threads. */
  get backend(): BackendInfo {
    return this.parts.compute.backend;
  }

  /** Compute threads: shards computed at once. */
  get threads(): number {
    return this.parts.compute.size;
  }

  /** GetParameters calls made since the start (on demand and prefetched). */
  get parameterFetches(): number {
    return this.parts.parameters.fetches;
  }

  /** `host:port` of the coordinator. */
  get coordinatorAddress(): string {
    return this.options.coordinatorAddress;
  }

  /** `host:port` of the HTTP server; undefined without `httpPort`. */
  get httpAddress(): string | undefined {
    return this.parts.http?.address;
  }

  /** Shards reported since the start. */
  get shardsDone(): number {
    return this.parts.processor.shardsDone;
  }

  /** BullMQ ids of the shards in hand; empty when idle. */
  get currentShards(): string[] {
    return this.parts.consumer.currentShards;
  }

  /**
   * Stops taking shards, waits up to `shutdownGraceMs` for those in hand (then hands them
   * back to the queue), and closes the queue, the announcements, the heartbeats, the threads, the channels and,
   * last, the HTTP port (`/readyz` says "shutting down" meanwhile). Each step runs even if one
   * before failed; idempotent.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const { consumer, announcements, registration, compute, client, http, phase } = this.parts;
      phase.now = 'closing';
      const steps: Array<[string, () => Promise<void> | void]> = [
        ['queue', () => consumer.close(this.options.shutdownGraceMs)],
        ['parameter announcements', () => announcements.close()],
        ['heartbeats', () => registration.close()],
        ['compute threads', () => compute.close()],
        ['grpc', () => client.close()],
        ['http', () => http?.close()],
      ];
      const errors: unknown[] = [];
      let current = '';
      const run = async (): Promise<void> => {
        for (const [name, step] of steps) {
          current = name;
          try {
            await step();
          } catch (error) {
            errors.push(error);
            this.options.log(`worker: closing the ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      };
      // Redis or the coordinator away (a connection's close waiting for them for ever) must not
      // keep the process: after the grace period and CLOSE_MARGIN_MS, what is left is left.
      const limitMs = this.options.shutdownGraceMs + CLOSE_MARGIN_MS;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limitMs)));
      const end = await Promise.race([run(), timedOut]);
      clearTimeout(timer);
      if (end === 'timeout') errors.push(new Error(`closing the ${current} did not finish within SHUTDOWN_GRACE_MS + ${CLOSE_MARGIN_MS} ms (${limitMs} ms); stopped without it`));
      if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'worker: close failed');
    })());
  }
}
