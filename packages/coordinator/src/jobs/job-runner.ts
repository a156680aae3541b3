import { applyRound, evalDue, type MetaState, type ParamSet, planShards, type RoundSummary } from '@metatrain/core';
import { type BlobStore, CheckpointStore, fromCheckpoint, toCheckpoint } from '@metatrain/storage';
import { type ComputeContext, exportModel, initialState } from '@metatrain/metalearn';
import type { ShardQueue } from '../queue/shard-queue';
import type { JobRegistry } from '../registry/job-registry';
import type { JobRecord } from '../registry/job-record';
import { isStorageOutage } from '@metatrain/storage';
import { LeaseLostError } from '../registry/lease';
import { retryUntilConnected } from '../retry-until-connected';
import { RoundTracker } from '../rounds/round-tracker';
import type { AcceptedShard, AcceptOutcome, EvalReport, ShardReport } from '../rounds/shard-report';
import { Evaluation } from './evaluation';
import { publishState, roundEvent } from './job-event-builders';
import type { JobEventLog } from './job-events';
import { ShardCollector } from './shard-collector';

type RoundCollector = ShardCollector<ShardReport, AcceptedShard[]>;

/** What the jobs report as they go; `CoordinatorMetrics` implements it. */
export interface JobObserver {
  jobSubmitted(): void;
  roundCompleted(round: { jobId: string; round: number; tasks: number; seconds: number; metaLoss: number }): void;
  /** Last shard report → next round enqueued: the coordinator's own share of a round. */
  orchestrationOverhead(seconds: number): void;
  shardsReenqueued(count: number): void;
  checkpointWritten(): void;
  /** The job ended (any final state): its per-job series can go. */
  jobFinished(jobId: string): void;
}

/** Everything a job's round loop works with, shared by all jobs of a coordinator. */
export interface JobRunnerDeps {
  registry: JobRegistry;
  queue: ShardQueue;
  storage: BlobStore;
  events: JobEventLog;
  observer: JobObserver;
  /** Straggler deadline: missing shards of a round are enqueued again this often. */
  shardDeadlineMs: number;
  /** Backend of this process, recorded in checkpoints and exports when no worker reported. */
  backend: string;
  /** Where the job's relative data paths resolve; recorded in the export. */
  dataDir: string;
  log: (line: string) => void;
}

/** How a job's loop ended: finished (SUCCEEDED/FAILED/CANCELLED) or stopped for shutdown. */
export type RunnerExit = 'final' | 'stopped';

/**
 * Runs the rounds of one job (DESIGN.md §2): publishes θ_r, enqueues the round's shards,
 * collects the reports, reduces them in shard order, steps the outer optimizer, emits a
 * round event, checkpoints when due, and at the end exports the model.
 *
 * With `eval:` in the spec, the round loop waits for the periodic evaluation: after the round
 * that makes version v (v a multiple of eval.everyRounds) and its checkpoint, the evaluation
 * shards of v are enqueued and collected before round v is planned. Waiting keeps the order
 * simple and the results exact: v stays the current version while it is evaluated (nothing to
 * pin), no evaluation can straddle a checkpoint, a report belongs to exactly one open
 * collection, and a stop during the evaluation leaves the checkpoint at v, whose resume
 * evaluates v again. Its cost is the evaluation's latency once every everyRounds rounds, spread
 * over all workers like a round's shards.
 */
export class JobRunner {
  private state: MetaState;
  private readonly versions = new Map<number, ParamSet>();
  private collector: RoundCollector | undefined;
  private evaluation: Evaluation | undefined;
  /** The current version is due for evaluation and has not been evaluated. */
  private evalPending: boolean;
  private cancelled = false;
  private stopping = false;
  private abandoned = false;
  /** Aborted by cancel() and stop(): ends a wait for storage (one last attempt is still made). */
  private readonly interruption = new AbortController();
  private checkpointedRound: number;
  private backends: Set<string>;
  /** When the previous round's last shard arrived (performance.now()). */
  private lastReportAt: number | undefined;
  /** Resolves when the loop has ended. */
  readonly done: Promise<RunnerExit>;

  private constructor(
    private readonly record: JobRecord,
    private readonly ctx: ComputeContext,
    private readonly checkpoints: CheckpointStore,
    private readonly deps: JobRunnerDeps,
    start: MetaState,
  ) {
    this.state = start;
    this.checkpointedRound = start.round;
    this.backends = new Set(record.backends ?? []);
    // A resumed version due for evaluation is evaluated unless the registry says it was.
    this.evalPending = evalDue(ctx.spec, start.round) && record.evaluatedRound !== start.round;
    this.publishVersion();
    this.done = this.loop();
  }

  /**
   * Starts (or, after a coordinator restart, resumes from its newest complete checkpoint)
   * the job `record`, whose spec `ctx` was built from.
   */
  static async start(record: JobRecord, ctx: ComputeContext, deps: JobRunnerDeps): Promise<JobRunner> {
    const checkpoints = new CheckpointStore(deps.storage, record.id, {
      keep: ctx.spec.checkpoint.keep,
      onSkip: (round, reason) => deps.log(`job ${record.id}: checkpoint ${round} skipped: ${reason}`),
    });
    const saved = await checkpoints.loadLatest();
    if (saved) deps.log(`job ${record.id}: resuming from checkpoint round ${saved.round}`);
    else await checkpoints.saveSpec(JSON.stringify(ctx.spec));
    const start = saved ? fromCheckpoint(ctx.layout, saved) : initialState(ctx);
    const running = await deps.registry.updateJob(record.id, { state: 'RUNNING', round: start.round });
    publishState(deps.events, record.id, 'RUNNING');
    return new JobRunner(running, ctx, checkpoints, deps, start);
  }

  get jobId(): string {
    return this.record.id;
  }

  /** θ at `version` while it is the current or the previous version; else undefined. */
  parameters(version: number): ParamSet | undefined {
    return this.versions.get(version);
  }

  /** Files a worker's report against the open round. */
  report(report: ShardReport): AcceptOutcome {
    if (this.collector && report.round === this.collector.round) return this.collector.accept(report);
    if (report.round < this.state.round) return 'STALE';
    return { rejected: `round: ${report.round} is not open (job ${this.jobId} is at round ${this.state.round})`, notOpenYet: true };
  }

  /** Files a worker's evaluation report against the open evaluation. */
  reportEval(report: EvalReport): AcceptOutcome {
    if (this.evaluation && report.version === this.evaluation.version) return this.evaluation.accept(report);
    if (report.version <= this.state.round) return 'STALE';
    return { rejected: `parameter_version: ${report.version} is not being evaluated (job ${this.jobId} is at round ${this.state.round})`, notOpenYet: true };
  }

  /** Stops the loop because the job was cancelled (the caller records CANCELLED). */
  cancel(): void {
    this.cancelled = true;
    this.interruptWaits();
  }

  /** Stops the loop for a coordinator shutdown; the job stays RUNNING for the next one. */
  stop(): Promise<RunnerExit> {
    this.stopping = true;
    this.interruptWaits();
    return this.done;
  }

  /**
   * Stops the loop without writing anything more (no checkpoint, no queue clean-up): this
   * coordinator lost the registry lease, so what it holds in memory may no longer be the
   * job's truth. Whoever holds the lease next resumes the job from its checkpoints.
   */
  abandon(): Promise<RunnerExit> {
    this.abandoned = true;
    return this.stop();
  }

  /** Ends every wait of the loop: for shards, for an evaluation, for storage. */
  private interruptWaits(): void {
    this.collector?.interrupt();
    this.evaluation?.interrupt();
    this.interruption.abort();
  }

  private get interrupted(): boolean {
    return this.cancelled || this.stopping;
  }

  /**
   * Runs a storage step, waiting out an outage longer than the store's own retries (a line
   * per attempt, until the loop is interrupted): a job is not failed for the endpoint being
   * away, however long.
   */
  private stored<T>(what: string, step: () => Promise<T>): Promise<T> {
    return retryUntilConnected(`storage (job ${this.jobId}: ${what})`, step, this.deps.log, this.interruption.signal, isStorageOutage);
  }

  private async loop(): Promise<RunnerExit> {
    try {
      const total = this.ctx.spec.outer.iterations;
      for (;;) {
        if (this.evalPending && !this.interrupted && !(await this.evaluate())) break;
        if (this.state.round >= total || this.interrupted) break;
        const summary = await this.runRound();
        if (!summary) break;
        this.evalPending = evalDue(this.ctx.spec, this.state.round);
        if (this.state.round % this.ctx.spec.checkpoint.everyRounds === 0 || this.state.round === total) await this.checkpoint();
      }
      if (this.cancelled) return 'final';
      if (this.stopping) {
        if (!this.abandoned && this.checkpointedRound !== this.state.round) await this.checkpoint();
        return 'stopped';
      }
      await this.finish();
      return 'final';
    } catch (err) {
      if (this.cancelled) return 'final';
      if (this.stopping) return 'stopped'; // e.g. stopped while waiting for storage: resumed from the last checkpoint
      if (err instanceof LeaseLostError) {
        this.deps.log(`job ${this.jobId}: stopped: ${err.message}`);
        return 'stopped';
      }
      await this.fail(err);
      return 'final';
    } finally {
      this.interruptWaits();
      this.deps.observer.jobFinished(this.jobId);
      if (!this.abandoned) {
        await this.deps.queue.removeJob(this.jobId).catch((err: unknown) => this.deps.log(`job ${this.jobId}: removing queued shards failed: ${String(err)}`));
      }
    }
  }

  /** One round; undefined when it was interrupted before all shards were in. */
  private async runRound(): Promise<RoundSummary | undefined> {
    const { spec, layout } = this.ctx;
    const round = this.state.round;
    const started = performance.now();
    const plan = planShards(spec.outer.metaBatchSize, spec.shardSize);
    const tracker = new RoundTracker({ round, layout, shards: plan });
    const collector: RoundCollector = new ShardCollector(round, tracker, plan, this.deps.shardDeadlineMs, (missing) => {
      this.deps.observer.shardsReenqueued(missing.length);
      this.deps.queue.reenqueue(this.jobId, round, missing, round).catch((err: unknown) => this.deps.log(`job ${this.jobId}: re-enqueue failed: ${String(err)}`));
    });
    this.collector = collector;
    await this.deps.queue.enqueueRound(this.jobId, round, plan, round);
    if (this.lastReportAt !== undefined) this.deps.observer.orchestrationOverhead((performance.now() - this.lastReportAt) / 1000);
    const end = await collector.wait();
    if ('interrupted' in end) return undefined;
    this.lastReportAt = end.lastReportAt;
    const { state, summary } = applyRound(spec, this.state, end.complete);
    this.state = state;
    this.publishVersion();
    const seconds = (performance.now() - started) / 1000;
    for (const b of collector.backends()) this.backends.add(b);
    this.deps.observer.roundCompleted({ jobId: this.jobId, round: summary.round, tasks: summary.tasks, seconds, metaLoss: summary.metaLoss });
    this.deps.events.publish(roundEvent(this.jobId, summary, seconds, collector));
    await this.deps.registry.updateJob(this.jobId, { round: state.round, lastMetaLoss: summary.metaLoss, backends: [...this.backends].sort() });
    return summary;
  }

  /** Evaluates the current version and publishes the result; false when interrupted first. */
  private async evaluate(): Promise<boolean> {
    const evaluation = new Evaluation(this.jobId, this.ctx.spec, this.state.round, this.deps);
    this.evaluation = evaluation;
    const result = await evaluation.run().finally(() => (this.evaluation = undefined));
    if (!result) return false;
    this.evalPending = false;
    this.deps.events.publish({ jobId: this.jobId, timeMs: Date.now(), kind: { $case: 'evalCompleted', value: result } });
    await this.deps.registry.updateJob(this.jobId, { evaluatedRound: result.round });
    // The next round's orchestration overhead starts now, not at the last train report.
    this.lastReportAt = performance.now();
    return true;
  }

  /** Makes θ_r fetchable and forgets versions older than θ_{r-1}. */
  private publishVersion(): void {
    const round = this.state.round;
    this.versions.set(round, this.state.params);
    for (const v of this.versions.keys()) if (v < round - 1) this.versions.delete(v);
  }

  private get backendLabel(): string {
    return [...this.backends].sort().join('+') || this.deps.backend;
  }

  private async checkpoint(): Promise<void> {
    await this.stored(`checkpoint ${this.state.round}`, () => this.checkpoints.save(toCheckpoint(this.state, this.backendLabel)));
    this.checkpointedRound = this.state.round;
    this.deps.observer.checkpointWritten();
    this.deps.events.publish({
      jobId: this.jobId,
      timeMs: Date.now(),
      kind: { $case: 'checkpointWritten', value: { round: this.state.round, location: `jobs/${this.jobId}/ckpt/${this.state.round}` } },
    });
  }

  private async finish(): Promise<void> {
    const files = await exportModel(this.ctx, this.state.params, { rounds: this.state.round, backend: this.backendLabel, dataDir: this.deps.dataDir });
    for (const [name, bytes] of files) await this.stored(`export ${name}`, () => this.deps.storage.put(`jobs/${this.jobId}/export/${name}`, bytes));
    await this.deps.registry.updateJob(this.jobId, { state: 'SUCCEEDED' });
    publishState(this.deps.events, this.jobId, 'SUCCEEDED');
    this.deps.log(`job ${this.jobId}: succeeded after ${this.state.round} rounds`);
  }

  private async fail(err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    this.deps.log(`job ${this.jobId}: failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
    try {
      await this.deps.registry.updateJob(this.jobId, { state: 'FAILED', error: message });
      publishState(this.deps.events, this.jobId, 'FAILED', message);
    } catch (updateErr) {
      this.deps.log(`job ${this.jobId}: recording the failure failed: ${String(updateErr)}`);
    }
  }
}
