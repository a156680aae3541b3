import type { Lane } from '@metatrain/contract';
import { type BackendName, type ResourcesSpec, sleep } from '@metatrain/core';
import type { ShardLanes } from '../queue/shard-lanes';
import type { EnqueueResult, ShardQueue } from '../queue/shard-queue';
import { chooseBackend } from './choose-backend';

/** What a {@link JobLane} works with. */
export interface JobLaneOptions {
  jobId: string;
  resources: ResourcesSpec;
  /** The backend recorded with the job, if one was chosen before (a resumed job). */
  recorded: BackendName | undefined;
  /** The coordinator's METATRAIN_DEFAULT_BACKEND. */
  defaultBackend: BackendName | undefined;
  /** The distinct backends of the active workers of a pool (WorkerTable.backendsOf). */
  workerBackends: (pool: string) => readonly string[];
  lanes: ShardLanes;
  /** Records the backend once chosen, with the job (the registry), so a resume keeps it. */
  record: (backend: BackendName) => Promise<void>;
  /** Ends the wait for a worker of the pool (the job's loop stops or is cancelled). */
  signal: AbortSignal;
  /** How often the pool's workers are looked at while none is there. @default 250 */
  pollMs?: number;
}

/**
 * A job's place in the queues: the lane of its pool and its one backend (chooseBackend). The
 * backend is chosen at the first enqueue and recorded with the job, so every shard of the job,
 * after any restart, goes to the same lane; without a backend to choose yet (no worker of the
 * pool is there), the first enqueue waits for a worker, as the shards would.
 */
export class JobLane implements Pick<ShardQueue, 'enqueue' | 'reenqueue' | 'removeJob'> {
  private opening: Promise<ShardQueue> | undefined;
  private chosen: BackendName | undefined;

  constructor(private readonly options: JobLaneOptions) {
    this.chosen = options.recorded;
  }

  /** The job's backend; undefined until chosen. */
  get backend(): BackendName | undefined {
    return this.chosen;
  }

  /** The job's lane, as far as chosen: its pool, and its backend once there is one. */
  get lane(): { pool: string; backend?: BackendName } {
    return { pool: this.options.resources.pool, ...(this.chosen !== undefined ? { backend: this.chosen } : {}) };
  }

  /**
   * Opens the lane's queue now when the backend can be chosen without waiting (the job's first
   * enqueue then finds it open); else leaves it to the first enqueue.
   */
  async openIfChosen(): Promise<void> {
    const { resources, defaultBackend, workerBackends } = this.options;
    if (chooseBackend({ resources, recorded: this.chosen, defaultBackend, workerBackends: workerBackends(resources.pool) }) !== undefined) await this.open();
  }

  async enqueue(...args: Parameters<ShardQueue['enqueue']>): Promise<EnqueueResult> {
    return (await this.open()).enqueue(...args);
  }

  async reenqueue(...args: Parameters<ShardQueue['reenqueue']>): Promise<EnqueueResult> {
    return (await this.open()).reenqueue(...args);
  }

  /** Removes the job's waiting shards from its lane; none when it never enqueued. */
  async removeJob(jobId: string, final: boolean): Promise<number> {
    const lane = this.laneIfChosen();
    return lane ? (await this.options.lanes.queue(lane)).removeJob(jobId, final) : 0;
  }

  private laneIfChosen(): Lane | undefined {
    return this.chosen === undefined ? undefined : { pool: this.options.resources.pool, backend: this.chosen };
  }

  private open(): Promise<ShardQueue> {
    this.opening ??= this.choose().then((lane) => this.options.lanes.queue(lane));
    // A failure (Redis away, a refused choice) is not kept: the next enqueue tries again.
    this.opening.catch(() => (this.opening = undefined));
    return this.opening;
  }

  private async choose(): Promise<Lane> {
    const { resources, defaultBackend, workerBackends, signal, pollMs = 250 } = this.options;
    for (;;) {
      const backend = chooseBackend({ resources, recorded: this.chosen, defaultBackend, workerBackends: workerBackends(resources.pool) });
      if (backend !== undefined) {
        if (this.chosen === undefined) await this.options.record(backend);
        this.chosen = backend;
        return { pool: resources.pool, backend };
      }
      await sleep(pollMs, signal);
      signal.throwIfAborted();
    }
  }
}

