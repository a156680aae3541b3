import { createJobSetup, createTaskFamily, type JobSetup, type JobSpec, type ParamSet, parseSpecText, SpecError, SpecErrors } from '@metatrain/core';
import type { ReportEvalRequest, ReportHeader } from '@metatrain/contract';
import { DatasetError, type DatasetResolver } from '@metatrain/datasets';
import type { StoredData } from '../data/stored-data';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../grpc/grpc-errors';
import type { ParameterSource } from '../grpc/parameter-source';
import { toEvalReport, toShardReport, type ReportSink } from '../grpc/report-sink';
import type { JobRecord, JobStateName } from '../registry/job-record';
import type { AcceptOutcome } from '../rounds/shard-report';
import { publishState } from './job-event-builders';
import { chooseBackend } from './choose-backend';
import { JobRunner, type JobRunnerDeps } from './job-runner';
import { DEFAULT_SPEC_LIMITS, limitProblems, type SpecLimits } from './spec-limits';

/** What a {@link JobManager} works with: its runners' dependencies and the size limits of new jobs. */
export interface JobManagerDeps extends JobRunnerDeps {
  /** @default DEFAULT_SPEC_LIMITS */
  limits?: SpecLimits;
  /** The data files uploaded with jobs, fetched locally before a job's family is built. */
  data: StoredData;
  /** Finds (or downloads) the catalog datasets and pinned URLs a spec names, on this machine: before a job is admitted and before it starts. */
  datasets: DatasetResolver;
}

/**
 * Turns the spec's own validation errors into INVALID_ARGUMENT, each bad field named; a
 * dataset or pinned URL this coordinator cannot get is its state, not the spec's fault:
 * FAILED_PRECONDITION.
 */
function specProblem(err: unknown): InvalidArgumentError | FailedPreconditionError | undefined {
  if (err instanceof SpecErrors) return new InvalidArgumentError('spec', err.errors.map((e) => e.message).join('; '));
  if (err instanceof SpecError) return new InvalidArgumentError('spec', err.message);
  if (err instanceof DatasetError) return new FailedPreconditionError('', `the coordinator cannot get the spec's data: ${err.message}`);
  return undefined;
}

/**
 * The jobs of one coordinator: validates and registers new ones, runs a {@link JobRunner}
 * per active job, and routes the workers' parameter fetches and reports to it.
 */
export class JobManager implements ParameterSource, ReportSink {
  private readonly runners = new Map<string, JobRunner>();
  private closing = false;
  /**
   * Aborted by close() and suspend() (which then takes a new one): a start in progress waits no
   * more for storage, and runs nothing.
   */
  private starts = new AbortController();

  private readonly limits: SpecLimits;

  constructor(private readonly deps: JobManagerDeps) {
    this.limits = deps.limits ?? DEFAULT_SPEC_LIMITS;
  }

  /**
   * Validates `specText` (YAML or JSON), fetches the data it names and checks it
   * against the size limits, registers the job and starts it.
   * @throws {InvalidArgumentError} naming each bad field of the spec;
   *   {@link FailedPreconditionError} when a dataset or URL it names cannot be had here.
   */
  async submit(specText: string): Promise<JobRecord> {
    let spec: JobSpec;
    try {
      spec = parseSpecText(specText);
      // A missing dataset or an impossible episode fails here, not in a worker. Building the
      // context allocates no parameters, so an oversized model is refused before it costs memory.
      const problems = limitProblems(await this.setup(spec, this.starts.signal), this.limits);
      if (problems.length > 0) throw new InvalidArgumentError('spec', problems.join('; '));
      // A pool whose workers run several backends, for a job naming none, is refused now
      // (the job's lane chooses the backend for good at its first enqueue).
      chooseBackend({ resources: spec.resources, recorded: undefined, defaultBackend: this.deps.defaultBackend, workerBackends: this.deps.workers.backendsOf(spec.resources.pool) });
    } catch (err) {
      throw specProblem(err) ?? err;
    }
    const record = await this.deps.registry.createJob({ name: spec.name, spec: specText, totalRounds: spec.outer.iterations });
    this.deps.observer.jobSubmitted();
    publishState(this.deps.events, record.id, 'QUEUED');
    await this.start(record);
    return (await this.deps.registry.getJob(record.id)) ?? record;
  }

  /** Starts every job the registry has as QUEUED or RUNNING: what a (re)started coordinator does. */
  async resumeAll(): Promise<void> {
    for (const record of await this.deps.registry.listJobs(['QUEUED', 'RUNNING'])) await this.start(record);
  }

  /**
   * The running jobs of `pool` that wait for a worker of it to choose their backend: demand
   * for the pool's workers before any shard of theirs is queued (`/queue-depth` counts them).
   */
  awaitingWorkers(pool: string): number {
    return [...this.runners.values()].filter((r) => r.lane.pool === pool && r.lane.backend === undefined).length;
  }

  /** The job's record. @throws {NotFoundError} */
  async get(jobId: string): Promise<JobRecord> {
    const record = await this.deps.registry.getJob(jobId);
    if (!record) throw new NotFoundError('job_id', `no job ${JSON.stringify(jobId)}`);
    return record;
  }

  list(states?: readonly JobStateName[]): Promise<JobRecord[]> {
    return this.deps.registry.listJobs(states);
  }

  /**
   * Cancels a QUEUED or RUNNING job (a CANCELLED one is returned as it is).
   * @throws {NotFoundError}; FAILED_PRECONDITION for a job that already ended otherwise.
   */
  async cancel(jobId: string, reason: string): Promise<JobRecord> {
    const before = await this.get(jobId);
    if (before.state === 'CANCELLED') return before;
    const runner = this.runners.get(jobId);
    runner?.cancel();
    const record = await this.deps.registry.updateJob(jobId, { state: 'CANCELLED', error: reason || 'cancelled by the user' });
    publishState(this.deps.events, jobId, 'CANCELLED', record.error);
    await runner?.done;
    return record;
  }

  async getParameters(jobId: string, version: number): Promise<ParamSet | undefined> {
    const runner = this.runners.get(jobId);
    if (runner) return runner.parameters(version);
    await this.get(jobId);
    return undefined;
  }

  async reportShard(header: ReportHeader, sum: ParamSet): Promise<AcceptOutcome> {
    const runner = this.runners.get(header.jobId);
    if (runner) return runner.report(toShardReport(header, sum));
    const record = await this.deps.registry.getJob(header.jobId);
    if (!record) throw new NotFoundError('header.job_id', `no job ${JSON.stringify(header.jobId)}`);
    return 'STALE'; // the job has ended (or not started on this coordinator): nothing to add to
  }

  async reportEval(request: ReportEvalRequest): Promise<AcceptOutcome> {
    const runner = this.runners.get(request.jobId);
    if (runner) return runner.report(toEvalReport(request));
    await this.get(request.jobId);
    return 'STALE';
  }

  /**
   * Abandons every job's loop (JobRunner.abandon), writing nothing; `resumeAll()` starts them
   * again from their checkpoints. For a coordinator that lost the registry lease.
   */
  async suspend(): Promise<void> {
    this.starts.abort();
    this.starts = new AbortController();
    const runners = [...this.runners.values()];
    this.runners.clear();
    await Promise.all(runners.map((r) => r.abandon()));
  }

  /** Stops every job's loop after its current round, checkpointing; jobs stay RUNNING. */
  async close(): Promise<void> {
    this.closing = true;
    this.starts.abort();
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
  }

  /**
   * The job's setup, its family built from local data: the catalog datasets and pinned URLs it
   * names (found or downloaded here) and the files uploaded with it (copied from storage) are
   * fetched first.
   */
  private async setup(spec: JobSpec, signal: AbortSignal): Promise<JobSetup> {
    const files = new Map([...(await this.deps.datasets(spec.tasks, signal)), ...(await this.deps.data.localFiles(spec.tasks))]);
    return createJobSetup(spec, createTaskFamily(spec.tasks, { baseDir: this.deps.dataDir, files }));
  }

  private async start(record: JobRecord): Promise<void> {
    if (this.closing || this.runners.has(record.id)) return;
    const { signal } = this.starts;
    let runner: JobRunner;
    try {
      const spec = parseSpecText(record.spec);
      // Its data is fetched again (from the cache, unless this is another coordinator: a
      // standby, a restart). Reading its checkpoints may meet a storage outage: the runner waits for it, until close() or suspend().
      runner = await JobRunner.start(record, await this.setup(spec, signal), this.deps, signal);
    } catch (err) {
      // Shut down or suspended while waiting: the job stays as it is for whoever resumes it.
      if (signal.aborted) return;
      await this.failToStart(record.id, err);
      return;
    }
    if (signal.aborted) {
      // Closed or suspended while the registry recorded it RUNNING: end it as the others were.
      await (this.closing ? runner.stop() : runner.abandon());
      return;
    }
    this.runners.set(record.id, runner);
    void runner.done.finally(() => {
      if (this.runners.get(record.id) === runner) this.runners.delete(record.id);
    });
  }

  /**
   * A job that cannot start (its dataset vanished, its checkpoints are unreadable) fails alone;
   * the coordinator and the other jobs go on, even when the failure cannot be recorded.
   */
  private async failToStart(jobId: string, err: unknown): Promise<void> {
    try {
      // The registry refused RUNNING to a job cancelled while it started: not a failure.
      if ((await this.deps.registry.getJob(jobId))?.state === 'CANCELLED') {
        this.deps.log(`job ${jobId}: cancelled while it started`, { jobId });
        return;
      }
      const message = specProblem(err)?.message ?? (err instanceof Error ? err.message : String(err));
      this.deps.log(`job ${jobId}: cannot start: ${message}`, { jobId, level: 'error' });
      await this.deps.registry.updateJob(jobId, { state: 'FAILED', error: message });
      publishState(this.deps.events, jobId, 'FAILED', message);
    } catch (recordErr) {
      this.deps.log(`job ${jobId}: recording that it cannot start failed: ${String(recordErr)}`, { jobId, level: 'error' });
    }
  }
}
