import type { BlobStore } from '@metatrain/storage';
import { EXPORT_FILES, type JobSpec, parseSpecText, sha256Hex, storageKeys } from '@metatrain/core';
import { type ExportModelResponse, type grpc, type Job, type JobServiceServer, type JobState, splitIntoChunks, type WatchJobRequest, type WatchJobResponse, writeAll } from '@metatrain/contract';
import { isFinalEvent } from '../jobs/job-events';
import type { JobHistory } from '../history/job-history';
import type { JobManager } from '../jobs/job-manager';
import { stateEvent, toProtoState } from '../jobs/job-event-builders';
import { JOB_STATES, type JobRecord, type JobStateName } from '../registry/job-record';
import { isFinal } from '../registry/job-transitions';
import type { WorkerTable } from '../workers/worker-table';
import { FailedPreconditionError, InvalidArgumentError, logInternalError, toStatusError, type InternalErrorHandler } from './grpc-errors';

/** What JobService works with. */
export interface JobServiceDeps {
  jobs: JobManager;
  history: JobHistory;
  storage: BlobStore;
  workers: WorkerTable;
  adapt: JobServiceServer['adapt'];
  uploadData: JobServiceServer['uploadData'];
  onInternalError?: InternalErrorHandler;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_SPEC_BYTES = 1024 * 1024;

/** A registry record as the wire's Job. */
export function toJob(record: JobRecord): Job {
  let spec: JobSpec | undefined;
  try {
    spec = parseSpecText(record.spec);
  } catch {
    spec = undefined; // registered specs are valid; a newer schema may still refuse an old one
  }
  return {
    id: record.id,
    name: record.name,
    algorithm: spec?.algorithm ?? '',
    taskFamily: spec?.tasks.family ?? '',
    state: toProtoState(record.state),
    roundsCompleted: record.roundsCompleted,
    totalRounds: record.totalRounds,
    createdAtMs: record.createdAt,
    updatedAtMs: record.updatedAt,
    error: record.error ?? '',
    lastMetaLoss: record.lastMetaLoss,
    spec: record.spec,
    pool: spec?.resources.pool ?? '',
    backend: record.backend ?? '',
  };
}

function stateName(state: JobState, index: number): JobStateName {
  const name = JOB_STATES[state - 1];
  if (!name) throw new InvalidArgumentError(`states[${index}]`, `unknown job state ${state}`);
  return name;
}

function jobIdOf(request: { jobId: string }): string {
  if (request.jobId === '') throw new InvalidArgumentError('job_id', 'must not be empty');
  return request.jobId;
}

/** One unary handler: runs `body`, answers its result or the mapped status. */
function unary<Req, Res>(body: (request: Req) => Promise<Res>, onInternal: InternalErrorHandler): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    body(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toStatusError(error, onInternal)),
    );
  };
}

/** JobService (docs/ARCHITECTURE.md §8): the clients' API. */
export function jobServiceHandlers(deps: JobServiceDeps): JobServiceServer {
  const onInternal = deps.onInternalError ?? logInternalError;
  const { jobs } = deps;
  return {
    submitJob: unary(async ({ spec }) => {
      if (spec.trim() === '') throw new InvalidArgumentError('spec', 'must not be empty');
      if (Buffer.byteLength(spec) > MAX_SPEC_BYTES) throw new InvalidArgumentError('spec', `is larger than ${MAX_SPEC_BYTES} bytes`);
      const record = await jobs.submit(spec);
      return { jobId: record.id, job: toJob(record) };
    }, onInternal),
    getJob: unary(async (request) => ({ job: toJob(await jobs.get(jobIdOf(request))) }), onInternal),
    listJobs: unary(async ({ states, pageSize, pageToken }) => {
      const wanted = states.length > 0 ? states.map(stateName) : undefined;
      const newestFirst = (await jobs.list(wanted)).reverse();
      const offset = pageToken === '' ? 0 : Number(pageToken);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError('page_token', `not a token this server gave: ${JSON.stringify(pageToken)}`);
      const size = pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize;
      const page = newestFirst.slice(offset, offset + size);
      const next = offset + size < newestFirst.length ? String(offset + size) : '';
      return { jobs: page.map(toJob), nextPageToken: next };
    }, onInternal),
    cancelJob: unary(async (request) => ({ job: toJob(await jobs.cancel(jobIdOf(request), request.reason)) }), onInternal),
    watchJob: (call) => watchJob(call, deps, onInternal),
    exportModel: (call) => {
      exportModel(call, deps).catch((error: unknown) => {
        if (!call.cancelled && !call.destroyed) call.emit('error', toStatusError(error, onInternal));
      });
    },
    adapt: deps.adapt,
    uploadData: deps.uploadData,
    listWorkers: unary(() => Promise.resolve({ workers: deps.workers.list() }), onInternal),
  };
}

function watchJob(call: grpc.ServerWritableStream<WatchJobRequest, WatchJobResponse>, deps: JobServiceDeps, onInternal: InternalErrorHandler): void {
  const start = async () => {
    const record = await deps.jobs.get(jobIdOf(call.request));
    if (call.cancelled) return;
    call.write({ event: stateEvent(record.id, record.state, record.error) });
    if (call.request.historyOnly) {
      const curve = await deps.history.read(record.id);
      if (await writeAll(call, curve.map((event) => ({ event })), () => call.cancelled || call.destroyed)) call.end();
      return;
    }
    let ended = false;
    // Set once watching; the history may end the stream before watch() returns.
    const subscription: { stop?: () => void } = {};
    const end = () => {
      if (ended) return;
      ended = true;
      subscription.stop?.();
      call.end();
    };
    call.on('cancelled', () => {
      ended = true;
      subscription.stop?.();
    });
    subscription.stop = await deps.history.watch(record.id, (event) => {
      if (ended) return;
      call.write({ event });
      if (isFinalEvent(event)) end();
    });
    if (ended) subscription.stop(); // the job ended (or the call was cancelled) while its history was read
    // The events may not reach the end (the job had ended before the watch began).
    if (isFinal((await deps.jobs.get(record.id)).state)) end();
  };
  start().catch((error: unknown) => {
    if (!call.cancelled && !call.destroyed) call.emit('error', toStatusError(error, onInternal));
  });
}

async function exportModel(call: grpc.ServerWritableStream<{ jobId: string }, ExportModelResponse>, deps: JobServiceDeps): Promise<void> {
  const record = await deps.jobs.get(jobIdOf(call.request));
  const keys = storageKeys.coordinatorJob(record.id);
  const files: Array<[string, Uint8Array]> = [];
  for (const name of EXPORT_FILES) {
    const bytes = await deps.storage.get(keys.exportFile(name));
    if (!bytes) throw new FailedPreconditionError('job_id', `job ${record.id} has no export yet (it is ${record.state}; a job exports when it succeeds)`);
    files.push([name, bytes]);
  }
  const messages = files.flatMap(([fileName, bytes]) => {
    const chunks = bytes.length === 0 ? [new Uint8Array(0)] : splitIntoChunks(bytes);
    return chunks.map(
      (data, index): ExportModelResponse => ({
        fileName,
        data,
        index,
        total: chunks.length,
        sizeBytes: index === 0 ? bytes.length : 0,
        checksum: index === 0 ? sha256Hex(bytes) : '',
      }),
    );
  });
  if (await writeAll(call, messages, () => call.cancelled || call.destroyed)) call.end();
}
