import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXPORT_FILES, type ExportFile, storageKeys } from '@metatrain/core';
import { CheckpointStore } from '@metatrain/storage';
import { eventJson, type WorkerInfo, WorkerState } from '@metatrain/contract';
import { stateEvent } from '../jobs/job-event-builders';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../grpc/grpc-errors';
import type { DashboardSources } from './dashboard-sources';
import { sendJson } from './http-io';
import { jobSummary, type JobSummary } from './job-summary';
import { SseStream } from './sse';

/** How long the jobs stream gathers events before it sends a new list. */
const JOBS_DEBOUNCE_MS = 250;
/** The jobs stream also sends the list this often, so elapsed times and rates stay current. */
const JOBS_REFRESH_MS = 5000;
/** How often the workers stream looks at the worker table (it sends only changes). */
const WORKERS_POLL_MS = 1000;

/** What a job page loads first; its events then come over {@link DashboardApi.jobEvents}. */
export interface JobDetail {
  job: JobSummary;
  /** The spec as submitted. */
  spec: string;
  /** Complete checkpoints, oldest first: the parameter version each holds, and where it lives. */
  checkpoints: Array<{ version: number; location: string }>;
  /** The export files that exist (all three once the job SUCCEEDED). */
  exportFiles: string[];
}

/** A worker as the workers page shows it. */
export type WorkerJson = Omit<WorkerInfo, 'state'> & { state: string };

/**
 * The dashboard's data: JSON snapshots, Server-Sent Event streams fed by the jobs' stored
 * history and live events (history first, so a page opened mid-job or after a restart draws
 * the whole curves) and the worker table, the
 * cancel action and the export download. Every stream it opens is closed by {@link close}.
 */
export class DashboardApi {
  private readonly streams = new Set<SseStream>();

  constructor(
    private readonly sources: DashboardSources,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every job, newest first. */
  async jobs(): Promise<JobSummary[]> {
    const records = (await this.sources.jobs.list()).reverse();
    return records.map((r) => jobSummary(r, this.sources.events.recent(r.id), this.now()));
  }

  /** One job: its summary, spec, complete checkpoints and which export files exist. @throws {NotFoundError} */
  async job(jobId: string): Promise<JobDetail> {
    const record = await this.sources.jobs.get(jobId);
    const { storage } = this.sources;
    const keys = storageKeys.coordinatorJob(record.id);
    const versions = await new CheckpointStore(storage, keys).versions();
    const exported = new Set(await storage.list(keys.export));
    return {
      job: jobSummary(record, this.sources.events.recent(record.id), this.now()),
      spec: record.spec,
      checkpoints: versions.map((version) => ({ version, location: storage.locate(keys.checkpoint(version)) })),
      exportFiles: EXPORT_FILES.filter((name) => exported.has(keys.exportFile(name))),
    };
  }

  workers(): WorkerJson[] {
    return this.sources.workers.list().map((w) => ({ ...w, state: WorkerState[w.state] ?? 'UNSPECIFIED' }));
  }

  /** Cancels a job (JobManager.cancel) and returns its summary. */
  async cancel(jobId: string): Promise<JobSummary> {
    const record = await this.sources.jobs.cancel(jobId, 'cancelled from the dashboard');
    return jobSummary(record, this.sources.events.recent(record.id), this.now());
  }

  /**
   * Streams one job's events: its current state, its stored curve, then each new event.
   * @throws {NotFoundError} before the stream opens.
   */
  async jobEvents(request: IncomingMessage, response: ServerResponse, jobId: string): Promise<void> {
    const record = await this.sources.jobs.get(jobId);
    const stream = this.open(request, response);
    stream.send('job-event', eventJson(stateEvent(record.id, record.state, record.error)));
    try {
      const stop = await this.sources.history.watch(record.id, (event) => {
        const json = eventJson(event);
        if (json) stream.send('job-event', json);
      });
      stream.onClose(stop);
    } catch (error) {
      // Storage away for a moment, say: the page says so; the browser reconnects and reads again.
      stream.send('problem', { error: `reading the job's history failed: ${error instanceof Error ? error.message : String(error)}` });
      stream.close();
    }
  }

  /** Streams the job list: at once, shortly after any job's event, and every few seconds. */
  liveJobs(request: IncomingMessage, response: ServerResponse): void {
    const stream = this.open(request, response);
    let pending: NodeJS.Timeout | undefined;
    const push = (): void => {
      pending = undefined;
      this.jobs().then(
        (jobs) => stream.send('jobs', jobs),
        // Redis away for a moment, say: the page says so, and the next push tries again.
        (error: unknown) => stream.send('problem', { error: `listing the jobs failed: ${error instanceof Error ? error.message : String(error)}` }),
      );
    };
    push();
    const stop = this.sources.events.subscribeAll(() => (pending ??= setTimeout(push, JOBS_DEBOUNCE_MS)));
    const refresh = setInterval(push, JOBS_REFRESH_MS);
    stream.onClose(() => {
      stop();
      clearInterval(refresh);
      clearTimeout(pending);
    });
  }

  /** Streams the worker list whenever it changes (heartbeats, shards, losses). */
  liveWorkers(request: IncomingMessage, response: ServerResponse): void {
    const stream = this.open(request, response);
    let last = '';
    const poll = (): void => {
      const workers = this.workers();
      const text = JSON.stringify(workers);
      if (text !== last) stream.send('workers', workers);
      last = text;
    };
    poll();
    const timer = setInterval(poll, WORKERS_POLL_MS);
    stream.onClose(() => clearInterval(timer));
  }

  /** Sends one export file as a download. @throws {NotFoundError}, FailedPreconditionError before the job has an export. */
  async exportFile(response: ServerResponse, jobId: string, name: ExportFile): Promise<void> {
    const record = await this.sources.jobs.get(jobId);
    const bytes = await this.sources.storage.get(storageKeys.coordinatorJob(record.id).exportFile(name));
    if (!bytes) throw new FailedPreconditionError('job_id', `job ${record.id} has no export yet (it is ${record.state})`);
    response.writeHead(200, {
      'content-type': name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      'content-length': bytes.byteLength,
      'content-disposition': `attachment; filename="${record.id}-${name}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    response.end(bytes);
  }

  /** Ends every open stream (the coordinator is closing). */
  close(): void {
    for (const stream of this.streams) stream.close();
  }

  private open(request: IncomingMessage, response: ServerResponse): SseStream {
    const stream = new SseStream(request, response);
    this.streams.add(stream);
    stream.onClose(() => this.streams.delete(stream));
    return stream;
  }
}

/** Answers a domain error as JSON with its HTTP status; false for any other error. */
export function sendRequestError(response: ServerResponse, error: unknown): boolean {
  const status = error instanceof NotFoundError ? 404 : error instanceof InvalidArgumentError ? 400 : error instanceof FailedPreconditionError ? 409 : undefined;
  if (status === undefined || !(error instanceof Error)) return false;
  sendJson(response, status, { error: error.message });
  return true;
}
