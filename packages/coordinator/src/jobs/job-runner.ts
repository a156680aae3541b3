import type { JobEvent } from '@metatrain/contract';
import { type JobSetup, type Log, type LogLevel, type ParamSet, type RoundMetrics, storageKeys } from '@metatrain/core';
import { JobLoop, type ModelExporter, type StorageStep } from '@metatrain/job-loop';
import { type BlobStore, isStorageOutage } from '@metatrain/storage';
import type { Lane } from '@metatrain/contract';
import type { BackendName } from '@metatrain/core';
import type { ShardLanes } from '../queue/shard-lanes';
import type { JobRegistry } from '../registry/job-registry';
import { FailedPreconditionError, UnavailableError } from '../grpc/grpc-errors';
import { LeaseLostError } from '../registry/lease';
import { retryUntilConnected } from '../retry-until-connected';
import type { AcceptOutcome, ShardReport } from '../rounds/shard-report';
import { publishState } from './job-event-builders';
import type { JobEventLog } from './job-events';
import type { JobHistory } from '../history/job-history';
import type { HistoryWriter } from '../history/history-writer';
import { ProgressWriter } from './progress-writer';
import { JobLane } from './job-lane';
import { QueueShards, type QueueShardsObserver } from './queue-shards';
import type { JobRecord } from '../registry/job-record';

/** What the jobs report as they go; `CoordinatorMetrics` implements it. */
export interface JobObserver extends QueueShardsObserver {
  jobSubmitted(): void;
  roundCompleted(round: { jobId: string; round: number; tasks: number; seconds: number; metaLoss: number }): void;
  checkpointWritten(): void;
  /** An attempt to write a checkpoint failed (retried during a storage outage, or failing the job). */
  checkpointFailed(): void;
  /** The job's loop ended on this coordinator (a final state, or a stop): its per-job series can go. */
  jobFinished(jobId: string): void;
}

/** What the jobs need to know of the workers (WorkerTable). */
export interface LiveWorkers {
  /** The compute threads of the active workers of `lane` (`shardSize: auto` sizes shards for them). */
  computeSlots(lane: { pool: string; backend?: string }): number;
  /** The distinct backends of the active workers of `pool`. */
  backendsOf(pool: string): string[];
}

/** Everything a job's loop works with, shared by all jobs of a coordinator. */
export interface JobRunnerDeps {
  registry: JobRegistry;
  /** The shard queues, one per lane (pool, backend). */
  lanes: ShardLanes;
  storage: BlobStore;
  events: JobEventLog;
  /** Where the rounds' and evaluations' metrics are written as they happen. */
  history: JobHistory;
  observer: JobObserver;
  /** The export of a job's final parameters (loads TensorFlow.js when first called). */
  exporter: (setup: JobSetup) => ModelExporter;
  /** Straggler deadline: missing blocks are enqueued again this often. */
  shardDeadlineMs: number;
  workers: LiveWorkers;
  /** The backend of jobs that name none (METATRAIN_DEFAULT_BACKEND). @default the pool's workers' one backend */
  defaultBackend?: BackendName;
  /** Where the job's relative data paths resolve; recorded in the export. */
  dataDir: string;
  /** Tells the workers a version can be fetched (ParameterAnnouncer); fire and forget. @default none */
  announce?: (lane: Lane, announcement: { jobId: string; version: number }) => void;
  log: Log;
}

/** How a job's loop ended: finished (SUCCEEDED/FAILED/CANCELLED) or stopped for shutdown. */
export type RunnerExit = 'final' | 'stopped';

/**
 * One running job of the coordinator: the job loop (@metatrain/job-loop) with its shards on
 * the queue (QueueShards), its progress written to the registry and published as events. The
 * loop decides everything else — resume, evaluation, checkpoints, export — exactly as `train`.
 */
export class JobRunner {
  /** Resolves when the loop has ended. */
  readonly done: Promise<RunnerExit>;
  private abandoned = false;
  /** stop() or abandon() was called: reports are answered UNAVAILABLE. */
  private stopping = false;

  private constructor(
    readonly jobId: string,
    private readonly loop: JobLoop,
    private readonly shards: QueueShards,
    private readonly progress: ProgressWriter,
    private readonly history: HistoryWriter,
    private readonly leaseLost: () => LeaseLostError | undefined,
    private readonly laneOf: JobLane,
    /** Ends the lane's wait for a worker when the loop ends. */
    private readonly laneWait: AbortController,
    private readonly deps: JobRunnerDeps,
  ) {
    this.done = this.run();
  }

  /**
   * Starts (or, after a coordinator restart, resumes from its newest complete checkpoint) the
   * job `record`, set up from its spec. A storage outage while resuming, checkpointing or
   * exporting makes the job wait for the endpoint (a line per attempt) until `signal` aborts,
   * rather than fail it; aborted by the time storage answers, it throws and runs nothing.
   */
  static async start(record: JobRecord, setup: JobSetup, deps: JobRunnerDeps, signal: AbortSignal): Promise<JobRunner> {
    const jobId = record.id;
    const log = jobLog(deps.log, jobId);
    const storageStep: StorageStep = (what, step, stepSignal) =>
      retryUntilConnected(`storage (job ${jobId}: ${what})`, step, (line, fields) => deps.log(line, { ...fields, jobId }), AbortSignal.any([signal, stepSignal]), isStorageOutage);
    const laneWait = new AbortController();
    const lane = new JobLane({
      jobId,
      resources: setup.spec.resources,
      recorded: record.backend,
      defaultBackend: deps.defaultBackend,
      workerBackends: (pool) => deps.workers.backendsOf(pool),
      lanes: deps.lanes,
      record: async (backend) => void (await deps.registry.updateJob(jobId, { backend })),
      signal: AbortSignal.any([signal, laneWait.signal]),
    });
    const shards = new QueueShards({
      jobId,
      layout: setup.layout,
      shardSize: setup.spec.shardSize,
      computeSlots: () => deps.workers.computeSlots(lane.lane),
      queue: lane,
      observer: deps.observer,
      shardDeadlineMs: deps.shardDeadlineMs,
      announce: (version) => {
        const { backend } = lane;
        if (backend !== undefined) deps.announce?.({ pool: setup.spec.resources.pool, backend }, { jobId, version });
      },
      log: deps.log,
    });
    const backends = new Set(record.backends ?? []);
    // A round or an evaluation goes to its watchers and, batched in the background, to storage.
    const publishCurve = (event: JobEvent) => {
      deps.events.publish(event);
      history.push(event);
    };
    let leaseLost: LeaseLostError | undefined;
    const loop = await JobLoop.open({
      keys: storageKeys.coordinatorJob(jobId),
      setup,
      shards,
      storage: deps.storage,
      exportModel: deps.exporter(setup),
      existing: 'resume',
      backends: [...backends],
      dataDir: deps.dataDir,
      storageStep,
      observer: {
        started: ({ version, resumed }) => (resumed ? log(`resuming from checkpoint round ${version}`) : undefined),
        checkpointSkipped: (version, reason) => log(`checkpoint ${version} skipped: ${reason}`, 'warn'),
        roundCompleted: (round: RoundMetrics) => {
          for (const backend of round.backends) backends.add(backend);
          deps.observer.roundCompleted({ jobId, round: round.round, tasks: round.tasks, seconds: round.roundMs / 1000, metaLoss: round.metaLoss });
          publishCurve({ jobId, timeMs: Date.now(), kind: { $case: 'roundCompleted', value: round } });
          progress.push({ roundsCompleted: round.round + 1, lastMetaLoss: round.metaLoss, backends: [...backends].sort() });
        },
        evalCompleted: (evaluation) => publishCurve({ jobId, timeMs: Date.now(), kind: { $case: 'evalCompleted', value: evaluation } }),
        // The history is written up to the checkpoint before it: a resume never skips a round of it.
        checkpointing: () => history.flush(),
        checkpointWritten: (version, location) => {
          deps.observer.checkpointWritten();
          deps.events.publish({ jobId, timeMs: Date.now(), kind: { $case: 'checkpointWritten', value: { version, location } } });
        },
        checkpointFailed: () => deps.observer.checkpointFailed(),
      },
    });
    // Written in order, off the round's critical path; losing the registry lease ends the loop
    // as a failed write of the loop's own would (abandon: this coordinator no longer owns the job).
    const progress = new ProgressWriter(
      (change) => deps.registry.updateJob(jobId, change),
      (error) => {
        if (error instanceof LeaseLostError) {
          leaseLost ??= error;
          loop.abandon();
        } else {
          log(`recording progress failed: ${String(error)}`, 'warn');
        }
      },
    );
    // Stopped while it waited for storage (the manager closed or was suspended): it runs nothing.
    signal.throwIfAborted();
    const history = await storageStep('history', () => deps.history.open(jobId, loop.version), signal);
    try {
      await deps.registry.updateJob(jobId, { state: 'RUNNING', roundsCompleted: loop.version });
    } catch (error) {
      deps.history.discard(jobId, history);
      throw error;
    }
    publishState(deps.events, jobId, 'RUNNING');
    // Before the loop runs: its first shards then go in as soon as it enqueues them.
    await lane.openIfChosen();
    return new JobRunner(jobId, loop, shards, progress, history, () => leaseLost, lane, laneWait, deps);
  }

  /** The job's lane: its pool, and its backend once chosen (until then it waits for a worker of the pool). */
  get lane(): { pool: string; backend?: BackendName } {
    return this.laneOf.lane;
  }

  /**
   * θ at `version` while it is the current or the previous version; the next version is waited
   * for a while (QueueShards.awaitParameters); else undefined.
   * @throws NotPublishedYetError when the next version is still to come after the wait
   */
  parameters(version: number): Promise<ParamSet | undefined> {
    return this.shards.awaitParameters(version);
  }

  /**
   * Files a worker's report (a round's shard, or an evaluation's).
   * @throws UnavailableError while the loop stops here (shutdown, lost lease): the round in
   *   flight is dropped, and whoever resumes the job takes the report.
   */
  report(report: ShardReport): AcceptOutcome {
    if (this.stopping || this.leaseLost()) throw new UnavailableError('header.job_id', `job ${this.jobId} is stopping on this coordinator; report again to the one that resumes it`);
    // A job never mixes backends: its shards went to its lane only, so another backend's report
    // comes from a worker on the wrong queue. Refused without counting against the worker; the
    // blocks stay missing and are asked for again on the job's lane.
    if (report.backend !== this.laneOf.backend) {
      throw new FailedPreconditionError('header.backend', `job ${this.jobId} is computed on ${this.laneOf.backend ?? 'a backend not chosen yet'} only, not on ${JSON.stringify(report.backend)}`);
    }
    return this.shards.accept(report, this.loop.version);
  }

  /** Stops the loop because the job was cancelled (the caller records CANCELLED). */
  cancel(): void {
    this.laneWait.abort();
    this.loop.cancel();
  }

  /** Stops the loop for a coordinator shutdown, with a checkpoint; the job stays RUNNING for the next one. */
  stop(): Promise<RunnerExit> {
    this.stopping = true;
    this.laneWait.abort();
    this.loop.stop();
    return this.done;
  }

  /**
   * Stops the loop without writing anything more (no checkpoint, no queue clean-up): this
   * coordinator lost the registry lease, so what it holds in memory may no longer be the
   * job's truth. Whoever holds the lease next resumes the job from its checkpoints.
   */
  abandon(): Promise<RunnerExit> {
    this.abandoned = true;
    this.stopping = true;
    this.laneWait.abort();
    this.loop.abandon();
    return this.done;
  }

  private log(line: string, level?: LogLevel): void {
    jobLog(this.deps.log, this.jobId)(line, level);
  }

  private async run(): Promise<RunnerExit> {
    const exit = await this.runLoop();
    this.laneWait.abort();
    this.deps.observer.jobFinished(this.jobId);
    // Nothing of the job stays in memory here: its curve is in storage.
    this.deps.events.forget(this.jobId);
    if (!this.abandoned) {
      await this.laneOf.removeJob(this.jobId, exit === 'final').catch((err: unknown) => this.log(`removing queued shards failed: ${String(err)}`, 'warn'));
    }
    return exit;
  }

  /** Runs the loop and records how it ended; never throws. */
  private async runLoop(): Promise<RunnerExit> {
    try {
      const end = await this.loop.run();
      // The final state is written after the progress and the history before it.
      await this.progress.flushed();
      await this.endHistory();
      const leaseLost = this.leaseLost();
      if (leaseLost) throw leaseLost;
      if (end === 'succeeded') await this.succeed();
      return end === 'stopped' ? 'stopped' : 'final';
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.deps.history.discard(this.jobId, this.history);
        this.log(`stopped: ${err.message}`, 'warn');
        return 'stopped';
      }
      await this.progress.flushed();
      await this.endHistory();
      await this.fail(err);
      return 'final';
    }
  }

  /** Writes the rest of the job's history, or (lease lost) drops it: the next owner writes its own. */
  private async endHistory(): Promise<void> {
    if (this.abandoned || this.leaseLost()) this.deps.history.discard(this.jobId, this.history);
    else await this.deps.history.close(this.jobId, this.history);
  }

  private async succeed(): Promise<void> {
    await this.deps.registry.updateJob(this.jobId, { state: 'SUCCEEDED' });
    publishState(this.deps.events, this.jobId, 'SUCCEEDED');
    this.log(`succeeded after ${this.loop.version} rounds`);
  }

  private async fail(err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    this.log(`failed: ${err instanceof Error ? (err.stack ?? message) : message}`, 'error');
    try {
      await this.deps.registry.updateJob(this.jobId, { state: 'FAILED', error: message });
      publishState(this.deps.events, this.jobId, 'FAILED', message);
    } catch (updateErr) {
      this.log(`recording the failure failed: ${String(updateErr)}`, 'error');
    }
  }
}

/** Lines about one job: `job {id}: …`, with its id as a field. */
function jobLog(log: Log, jobId: string): (line: string, level?: LogLevel) => void {
  return (line, level = 'info') => log(`job ${jobId}: ${line}`, { jobId, level });
}
