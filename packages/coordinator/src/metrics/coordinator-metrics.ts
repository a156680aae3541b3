import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RefusalReason } from '../auth/grpc-auth';
import type { QueueDepth } from '../queue/shard-queue';
import { JOB_STATES, type JobStateName } from '../registry/job-record';
import type { AcceptOutcome } from '../rounds/shard-report';
import { jobLabel } from './job-label';
import { ScrapeHooks, type ScrapeHook, type ScrapeHookFailure } from './scrape-hooks';

/** What became of a shard report, as the `status` label of `metatrain_shards_reported_total`. */
export type ShardReportStatus = 'accepted' | 'duplicate' | 'stale' | 'rejected';

/** The label value of a round tracker's {@link AcceptOutcome}. */
export function reportStatus(outcome: AcceptOutcome): ShardReportStatus {
  return typeof outcome === 'object' ? 'rejected' : (outcome.toLowerCase() as ShardReportStatus);
}

/** Workers by state, as `metatrain workers` shows them. */
export interface WorkerCounts {
  active: number;
  lost: number;
  quarantined: number;
}

/** One finished round of one job (the numbers of the RoundCompleted event). */
export interface RoundCompletion {
  jobId: string;
  /**
   * The round that completed (0-based): the job has now completed `round + 1` rounds, which
   * `metatrain_job_round` shows. Without it that gauge is left as it is.
   */
  round?: number;
  /** Tasks in the round (the meta-batch size M). */
  tasks: number;
  /** Wall-clock time from planning the round to writing the new parameters. */
  seconds: number;
  /** Mean post-adaptation query loss over the round's tasks (NaN is exported as such). */
  metaLoss: number;
}

/** Options of {@link CoordinatorMetrics}; all optional. */
export interface CoordinatorMetricsOptions {
  /** Also export Node's process metrics (`process_*`, `nodejs_*`: CPU, memory, event-loop lag, GC). @default true */
  processMetrics?: boolean;
  /** How long a scrape waits for the {@link CoordinatorMetrics.onScrape} hooks, in ms. @default 2000 */
  scrapeTimeoutMs?: number;
  /** Hears each hook that failed or timed out (also counted). @default one line on stderr */
  onScrapeFailure?: (failure: ScrapeHookFailure) => void;
}

const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed'] as const;
const WORKER_STATES = ['active', 'lost', 'quarantined'] as const;
const REPORT_STATUSES: readonly ShardReportStatus[] = ['accepted', 'duplicate', 'stale', 'rejected'];
const REFUSAL_REASONS: readonly RefusalReason[] = ['token', 'client_certificate'];

/** 1 ms … 10 min: a sinusoid round on one CPU to a big Omniglot round waiting on stragglers. */
export const ROUND_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** 50 µs … 2.5 s: the coordinator's own work between the last report and the next enqueue. */
export const ORCHESTRATION_OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const logScrapeFailure = (failure: ScrapeHookFailure): void => {
  const why = failure.kind === 'timeout' ? `still running after ${failure.timeoutMs} ms` : errorText(failure.error);
  process.stderr.write(`metrics: scrape hook ${failure.kind}: ${why}\n`);
};

/**
 * The coordinator's Prometheus metrics, all named `metatrain_*`, in a registry of their own
 * (never prom-client's global one, so two coordinators in one test process do not collide).
 * The round loop calls the domain methods; values that live elsewhere (queue depth, worker
 * and job counts) are pulled at scrape time through {@link onScrape}.
 *
 * Series labelled `job_id` (never `job`, which Prometheus keeps for its scrape job and would
 * rename to `exported_job`) are removed by {@link jobFinished}, so a long-lived coordinator does
 * not accumulate one label set per job it ever ran.
 */
export class CoordinatorMetrics {
  /** The registry behind `/metrics`; a dashboard may read it (`getMetricsAsJSON`). */
  readonly registry = new Registry();
  private readonly hooks: ScrapeHooks;

  private readonly roundsCompleted = this.counter('metatrain_rounds_completed_total', 'Rounds completed, by job.', ['job_id']);
  private readonly shardsReported = this.counter('metatrain_shards_reported_total', 'Shard reports received, by outcome.', ['status']);
  private readonly tasksCompleted = this.counter('metatrain_tasks_completed_total', 'Tasks of completed rounds, by job.', ['job_id']);
  private readonly shardsReenqueuedTotal = this.counter('metatrain_shards_reenqueued_total', 'Overdue shards enqueued again.', []);
  private readonly grpcRefused = this.counter('metatrain_grpc_refused_total', 'gRPC calls refused UNAUTHENTICATED, by reason (token, client_certificate).', ['reason']);
  private readonly checkpointsWritten = this.counter('metatrain_checkpoints_written_total', 'Checkpoints written (manifest and LATEST included).', []);
  private readonly checkpointFailures = this.counter('metatrain_checkpoint_failures_total', 'Failed attempts to write a checkpoint (retried during a storage outage, or failing the job).', []);
  private readonly jobsSubmitted = this.counter('metatrain_jobs_submitted_total', 'Jobs accepted by SubmitJob.', []);
  private readonly scrapeHookFailures = this.counter('metatrain_scrape_hook_failures_total', 'Scrape-time refreshes that failed or timed out (their gauges are stale).', ['reason']);

  private readonly queueDepth = this.gauge('metatrain_queue_depth', 'Shard jobs in the queue, by state.', ['state']);
  private readonly tasksPerSecond = this.gauge('metatrain_tasks_per_second', "Tasks of the job's last round divided by its duration.", ['job_id']);
  private readonly metaLoss = this.gauge('metatrain_meta_loss', "Meta-loss of the job's last round.", ['job_id']);
  private readonly workers = this.gauge('metatrain_workers', 'Registered workers, by state.', ['state']);
  private readonly jobs = this.gauge('metatrain_jobs', 'Jobs in the registry, by state.', ['state']);
  private readonly jobRound = this.gauge('metatrain_job_round', 'Rounds the job has completed (its parameter version).', ['job_id']);

  private readonly roundDuration = new Histogram({
    name: 'metatrain_round_duration_seconds',
    help: 'Wall-clock time of a round, from planning to the new parameters written.',
    buckets: ROUND_DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly orchestrationOverheadSeconds = new Histogram({
    name: 'metatrain_orchestration_overhead_seconds',
    help: "Time from a collection's last shard report to the next one's parameters published and its shards in the queue.",
    buckets: ORCHESTRATION_OVERHEAD_BUCKETS,
    registers: [this.registry],
  });

  constructor(options: CoordinatorMetricsOptions = {}) {
    const onFailure = options.onScrapeFailure ?? logScrapeFailure;
    this.hooks = new ScrapeHooks(options.scrapeTimeoutMs ?? 2000, (failure) => {
      this.scrapeHookFailures.labels({ reason: failure.kind }).inc();
      onFailure(failure);
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    // Fixed label sets start at 0, so rate() and alerts see them before the first event.
    for (const status of REPORT_STATUSES) this.shardsReported.labels({ status }).inc(0);
    for (const reason of ['error', 'timeout']) this.scrapeHookFailures.labels({ reason }).inc(0);
    for (const reason of REFUSAL_REASONS) this.grpcRefused.labels({ reason }).inc(0);
    for (const state of QUEUE_STATES) this.queueDepth.labels({ state }).set(0);
    for (const state of WORKER_STATES) this.workers.labels({ state }).set(0);
    for (const state of JOB_STATES) this.jobs.labels({ state }).set(0);
  }

  /** The Content-Type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * A round finished: counts it and its tasks, records its duration, throughput, loss and
   * the job's round. Checks every value before recording any, so a bad call changes nothing.
   */
  roundCompleted(completion: RoundCompletion): void {
    const labels = { job_id: jobLabel(completion.jobId) };
    const { round, tasks, seconds, metaLoss } = completion;
    if (round !== undefined) checkCount('round', round);
    checkCount('tasks', tasks);
    checkSeconds('seconds', seconds);
    this.roundsCompleted.labels(labels).inc();
    this.tasksCompleted.labels(labels).inc(tasks);
    this.roundDuration.observe(seconds);
    if (seconds > 0) this.tasksPerSecond.labels(labels).set(tasks / seconds);
    this.metaLoss.labels(labels).set(metaLoss);
    if (round !== undefined) this.jobRound.labels(labels).set(round + 1);
  }

  /** Sets the job's completed rounds without a round finishing: a job resumed from a checkpoint. */
  setJobRound(jobId: string, roundsCompleted: number): void {
    checkCount('roundsCompleted', roundsCompleted);
    this.jobRound.labels({ job_id: jobLabel(jobId) }).set(roundsCompleted);
  }

  /** A shard report was answered. */
  shardReported(status: ShardReportStatus): void {
    if (!REPORT_STATUSES.includes(status)) throw new RangeError(`metrics: unknown report status ${JSON.stringify(status)}`);
    this.shardsReported.labels({ status }).inc();
  }

  /** Time from a round's last shard report to the next round's shards enqueued. */
  orchestrationOverhead(seconds: number): void {
    checkSeconds('seconds', seconds);
    this.orchestrationOverheadSeconds.observe(seconds);
  }

  /** `n` overdue shards were enqueued again (stragglers). */
  shardsReenqueued(n: number): void {
    checkCount('n', n);
    this.shardsReenqueuedTotal.inc(n);
  }

  /** A gRPC call was refused UNAUTHENTICATED (a missing or wrong token, no worker certificate). */
  callRefused(reason: RefusalReason): void {
    this.grpcRefused.labels({ reason }).inc();
  }

  checkpointWritten(): void {
    this.checkpointsWritten.inc();
  }

  checkpointFailed(): void {
    this.checkpointFailures.inc();
  }

  jobSubmitted(): void {
    this.jobsSubmitted.inc();
  }

  /** Shard jobs by queue state (`total` is not exported: Prometheus sums the states). */
  setQueueDepth(depth: QueueDepth): void {
    for (const state of QUEUE_STATES) checkCount(`depth.${state}`, depth[state]);
    for (const state of QUEUE_STATES) this.queueDepth.labels({ state }).set(depth[state]);
  }

  setWorkerCounts(counts: WorkerCounts): void {
    for (const state of WORKER_STATES) checkCount(`counts.${state}`, counts[state]);
    for (const state of WORKER_STATES) this.workers.labels({ state }).set(counts[state]);
  }

  /** Jobs by state; a state left out is set to 0 (it has no jobs), not left at its last value. */
  setJobCounts(counts: Partial<Readonly<Record<JobStateName, number>>>): void {
    for (const state of JOB_STATES) checkCount(`counts.${state}`, counts[state] ?? 0);
    for (const state of JOB_STATES) this.jobs.labels({ state }).set(counts[state] ?? 0);
  }

  /**
   * Removes every series labelled with `jobId` (rounds, tasks, throughput, loss, round). Call
   * it once the job is SUCCEEDED, FAILED or CANCELLED; a later round of that job would start
   * its series again.
   */
  jobFinished(jobId: string): void {
    const labels = { job_id: jobLabel(jobId) };
    for (const metric of [this.roundsCompleted, this.tasksCompleted, this.tasksPerSecond, this.metaLoss, this.jobRound]) metric.remove(labels);
  }

  /**
   * Runs `fn` before each scrape, waiting for it at most `scrapeTimeoutMs` (a failure or a
   * timeout is reported, and the scrape serves the values as they are). Returns a function
   * that removes the hook.
   */
  onScrape(fn: ScrapeHook): () => void {
    return this.hooks.add(fn);
  }

  /** The exposition text: runs the scrape hooks, then renders every metric. */
  async text(): Promise<string> {
    await this.hooks.runAll();
    return this.registry.metrics();
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}

function checkCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`metrics: ${name} must be a non-negative integer, got ${n}`);
}

function checkSeconds(name: string, s: number): void {
  if (!Number.isFinite(s) || s < 0) throw new RangeError(`metrics: ${name} must be a finite number ≥ 0, got ${s}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
