import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import type { HttpServer } from '@metatrain/http';
import type { BackendInfo } from '@metatrain/core';
import { datasetResolver } from '@metatrain/datasets';
import { startCompute, type WorkerCompute } from './compute/start-compute';
import { compileWorkerOptions, type CompiledWorkerOptions, type WorkerOptions } from './config/worker-options';
import { CoordinatorClient } from './grpc/coordinator-client';
import { ShardConsumer } from './queue/shard-consumer';
import { Registration } from './registration/registration';
import { withTestFaults } from './faults/faulty-coordinator';
import { startWorkerHttp, workerReadiness, type WorkerPhase } from './http/worker-http';
import { WorkerMetrics } from './http/worker-metrics';
import { QuarantineGate } from './registration/quarantine-gate';
import { fetchJobData } from './shards/job-data';
import { ShardProcessor } from './shards/shard-processor';
import { WORKER_VERSION } from './version';

interface Parts {
  thread: WorkerCompute;
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
 * takes shards from the BullMQ queue one at a time, computes them in a worker thread, reports
 * them over gRPC and completes each queue job only after the coordinator answered.
 *
 * `create()` returns once the worker consumes; `close()` stops taking shards, lets the one in
 * hand finish within `shutdownGraceMs` (then hands it back to the queue) and closes
 * everything. Idempotent. While the coordinator quarantines the worker, it takes no shards
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
   * Starts the compute thread (which selects the backend; the compute stub instead with
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
    let currentShard = (): string => '';
    const metrics = new WorkerMetrics(() => ({ currentShard: currentShard(), quarantined: quarantine.quarantined }));
    try {
      const http = await startWorkerHttp(compiled, metrics, () => workerReadiness(phase.now, quarantine.quarantineReason));
      if (http) {
        cleanups.push(() => http.close());
        log(`worker: http on ${http.address}`);
      }
      const datasets = datasetResolver({ dataDir: compiled.dataDir, cacheDir: compiled.cacheDir, mirror: compiled.datasetMirror, log });
      const thread = await startCompute(compiled);
      cleanups.push(() => thread.close());
      const client = new CoordinatorClient({
        address: compiled.coordinatorAddress,
        token: compiled.token,
        tls: compiled.tls,
        rpcTimeoutMs: compiled.rpcTimeoutMs,
        transferTimeoutMs: compiled.transferTimeoutMs,
      });
      cleanups.push(() => client.close());
      metrics.identify({ workerId: compiled.workerId, backend: thread.backend.name, device: thread.backend.device, version: WORKER_VERSION });
      const processor = new ShardProcessor({
        coordinator: compiled.faults ? withTestFaults(client, compiled.faults) : client,
        compute: thread,
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
      // Redis first, then the coordinator, then shards: a worker started before either waits
      // for both, saying so, and takes no shard before it is registered.
      const consumer = await ShardConsumer.create(
        {
          redisUrl: compiled.redisUrl,
          prefix: compiled.queuePrefix,
          queueName: compiled.queueName,
          log,
          signal: compiled.signal,
          lockDurationMs: compiled.lockDurationMs,
          stalledIntervalMs: compiled.stalledIntervalMs,
        },
        (queueJobId, message, signal) => processor.process(queueJobId, message, signal),
        {
          onBadMessage: (queueJobId, reason) => log(`worker: failed queue job ${queueJobId}: ${reason}`),
          onHandedBack: (queueJobId) => log(`worker: handed shard ${queueJobId} back to the queue`),
        },
      );
      cleanups.push(() => consumer.close(0));
      currentShard = () => consumer.currentShard;
      const registration = await Registration.create({
        client,
        identity: {
          workerId: compiled.workerId,
          backend: thread.backend.name,
          device: thread.backend.device,
          cores: availableParallelism(),
          hostname: hostname(),
          version: WORKER_VERSION,
        },
        status: () => ({ currentShard: consumer.currentShard, shardsDone: processor.shardsDone }),
        onStanding: (standing) => quarantine.update(standing),
        log,
        signal: compiled.signal,
      });
      quarantine.attach(consumer);
      consumer.start();
      phase.now = 'running';
      return new Worker(compiled, { thread, client, processor, registration, consumer, http, phase });
    } catch (error) {
      await cleanup();
      throw error;
    }
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** The compute backend of this worker's thread. */
  get backend(): BackendInfo {
    return this.parts.thread.backend;
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

  /** BullMQ id of the shard in hand; '' when idle. */
  get currentShard(): string {
    return this.parts.consumer.currentShard;
  }

  /**
   * Stops taking shards, waits up to `shutdownGraceMs` for the one in hand (then hands it
   * back to the queue), and closes the queue, the heartbeats, the thread, the channels and,
   * last, the HTTP port (`/readyz` says "shutting down" meanwhile). Each step runs even if one
   * before failed; idempotent.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const { consumer, registration, thread, client, http, phase } = this.parts;
      phase.now = 'closing';
      const steps: Array<[string, () => Promise<void> | void]> = [
        ['queue', () => consumer.close(this.options.shutdownGraceMs)],
        ['heartbeats', () => registration.close()],
        ['compute thread', () => thread.close()],
        ['grpc', () => client.close()],
        ['http', () => http?.close()],
      ];
      const errors: unknown[] = [];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (error) {
          errors.push(error);
          this.options.log(`worker: closing the ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'worker: close failed');
    })());
  }
}
