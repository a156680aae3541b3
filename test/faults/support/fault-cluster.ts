import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceProcess } from '@metatrain/cli';
import { storageKeys } from '@metatrain/core';
import { type Checkpoint, CheckpointStore, S3Store } from '@metatrain/storage';
import { type Job, JobState } from '@metatrain/contract';
import { freePort } from '../../support/free-port';
import { startRedisServer, uniquePrefix, type RedisTestServer } from '../../support/redis-server';
import { startS3Server, uniqueBucket, type S3TestServer } from '../../support/s3-server';
import { type CoordinatorProcess, startCoordinatorProcess, startWorkerProcess } from '../../support/services';
import { JobApi } from './job-api';

// One cluster per test file, as deployed: a private redis-server with AOF and noeviction (so
// it can be restarted), an S3 endpoint (s3rver here) for checkpoints, a coordinator process
// and worker processes. Times are shortened through the environment, so that failures are
// noticed in seconds instead of the production defaults' tens of seconds.

/**
 * Coordinator times for tests: a straggler is re-enqueued after 2 s, a dead coordinator's lease
 * lasts 3 s. Jobs go to wasm, the workers' backend (FAST_WORKER_ENV), also when submitted before
 * any worker registers.
 */
export const FAST_COORDINATOR_ENV: NodeJS.ProcessEnv = { SHARD_DEADLINE_MS: '2000', LEASE_TTL_MS: '3000', WORKER_HEARTBEAT_MS: '250', WORKER_LEASE_MS: '3000', METATRAIN_DEFAULT_BACKEND: 'wasm' };
/** Worker times for tests: a killed worker's shard is recovered ~2 s after its last lock renewal. */
export const FAST_WORKER_ENV: NodeJS.ProcessEnv = { SHARD_LOCK_MS: '2000', STALLED_INTERVAL_MS: '1000', METATRAIN_BACKEND: 'wasm' };

/** A worker process and everything it printed. */
export interface WorkerHandle {
  readonly id: string;
  readonly process: ServiceProcess;
  readonly output: string[];
}

export interface FaultClusterOptions {
  /** Added to FAST_COORDINATOR_ENV. */
  coordinatorEnv?: NodeJS.ProcessEnv;
  /** Start the coordinator in create(). @default true */
  startCoordinator?: boolean;
}

export class FaultCluster {
  readonly api: JobApi;
  coordinator: CoordinatorProcess | undefined;
  private readonly workerHandles: WorkerHandle[] = [];
  private closing: Promise<void> | undefined;

  private constructor(
    readonly redis: RedisTestServer,
    readonly s3: S3TestServer,
    readonly store: S3Store,
    /** What coordinator and workers share: Redis, the queue prefix, the data directory. */
    readonly sharedEnv: NodeJS.ProcessEnv,
    private readonly coordinatorEnv: NodeJS.ProcessEnv,
    /** The coordinator's ports, fixed after its first start so that a restart keeps them. */
    private readonly ports: { grpc: string; http: string },
    private readonly dir: string,
  ) {
    this.api = new JobApi(`127.0.0.1:${ports.grpc}`);
  }

  static async create(options: FaultClusterOptions = {}): Promise<FaultCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'metatrain-faults-'));
    const [redis, s3] = await Promise.all([startRedisServer({ private: true, appendOnly: true }), startS3Server()]);
    const bucket = uniqueBucket('faults');
    const store = await S3Store.create({ endPoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket });
    const sharedEnv = { REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: uniquePrefix('faults'), METATRAIN_DATA_DIR: dir };
    const coordinatorEnv = {
      ...FAST_COORDINATOR_ENV,
      STORAGE_URL: `s3://${bucket}`,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY: s3.accessKey,
      S3_SECRET_KEY: s3.secretKey,
      ...options.coordinatorEnv,
    };
    const ports = { grpc: String(await freePort()), http: String(await freePort()) };
    const cluster = new FaultCluster(redis, s3, store, sharedEnv, coordinatorEnv, ports, dir);
    if (options.startCoordinator ?? true) await cluster.startCoordinator();
    return cluster;
  }

  /** host:port of the coordinator's gRPC server (the same across restarts). */
  get grpcAddress(): string {
    return `127.0.0.1:${this.ports.grpc}`;
  }

  /** Starts the coordinator process (again) on the cluster's ports; resolves once it is ready. */
  async startCoordinator(env: NodeJS.ProcessEnv = {}, output: string[] = []): Promise<CoordinatorProcess> {
    const started = await startCoordinatorProcess({ ...this.sharedEnv, ...this.coordinatorEnv, GRPC_PORT: this.ports.grpc, HTTP_PORT: this.ports.http, ...env }, output);
    this.coordinator = started;
    return started;
  }

  /** `kill -9` of the coordinator. */
  async killCoordinator(): Promise<void> {
    if (this.coordinator) await killHard(this.coordinator);
  }

  /**
   * Starts a worker process with the fast test times plus `env`; resolves once it consumes.
   * Its lines go to `output` as they come.
   */
  async startWorker(id: string, env: NodeJS.ProcessEnv = {}, output: string[] = []): Promise<WorkerHandle> {
    const service = await startWorkerProcess({ ...this.sharedEnv, ...FAST_WORKER_ENV, COORDINATOR_ADDR: this.grpcAddress, WORKER_ID: id, ...env }, output);
    const handle = { id, process: service, output };
    this.workerHandles.push(handle);
    return handle;
  }

  /** Polls the job until `done` says so; fails on a final state `done` did not accept. */
  async waitForJob(jobId: string, done: (job: Job) => boolean, timeoutMs = 120_000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.api.job(jobId).catch(() => undefined); // the coordinator may be restarting
      if (job && done(job)) return job;
      if (job && [JobState.FAILED, JobState.CANCELLED].includes(job.state)) throw new Error(`job ${jobId} ended ${JobState[job.state]}: ${job.error}`);
      if (Date.now() > deadline) throw new Error(`job ${jobId} not done within ${timeoutMs} ms (last seen: ${JSON.stringify(job)})`);
      await sleep(100);
    }
  }

  /** Waits for the job to succeed. */
  succeeded(jobId: string, timeoutMs?: number): Promise<Job> {
    return this.waitForJob(jobId, (job) => job.state === JobState.SUCCEEDED, timeoutMs);
  }

  /** The value of one series of the coordinator's /metrics, e.g. `metatrain_shards_reported_total{status="accepted"}`. */
  async metric(series: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.ports.http}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    if (line === undefined) throw new Error(`no series ${series} in /metrics`);
    return Number(line.slice(series.length + 1));
  }

  /** The job's checkpoints in the bucket. */
  checkpoints(jobId: string, onSkip?: (round: number, reason: string) => void): CheckpointStore {
    return new CheckpointStore(this.store, storageKeys.coordinatorJob(jobId), onSkip ? { onSkip } : {});
  }

  /** The job's newest complete checkpoint (its final state once it succeeded). */
  async latestCheckpoint(jobId: string): Promise<Checkpoint> {
    const latest = await this.checkpoints(jobId).loadLatest();
    if (!latest) throw new Error(`job ${jobId} has no complete checkpoint`);
    return latest;
  }

  /** What every process printed, for a failing test's report. */
  outputs(): string {
    const sections = [['coordinator', this.coordinator?.output ?? []] as const, ...this.workerHandles.map((w) => [`worker ${w.id}`, w.output] as const)];
    return sections.map(([name, lines]) => `--- ${name} (last 40 lines)\n${lines.slice(-40).join('\n')}`).join('\n');
  }

  /** Stops every process and server; idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.api.close();
      await Promise.all(this.workerHandles.map((w) => w.process.stop(5_000)));
      await this.coordinator?.stop(5_000);
      await this.store.close();
      await Promise.all([this.redis.close(), this.s3.close()]);
      await rm(this.dir, { recursive: true, force: true });
    })());
  }
}

/** `kill -9`: the process gets no chance to clean up. Resolves once it is gone. */
export async function killHard(service: ServiceProcess): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Polls `condition` every 50 ms until it holds. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
