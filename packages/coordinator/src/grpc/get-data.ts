import { dataReferences, parseSpecText } from '@metatrain/core';
import { type GetDataRequest, type GetDataResponse, type grpc, toFileChunks, writeAll } from '@metatrain/contract';
import type { StoredData } from '../data/stored-data';
import type { JobRecord } from '../registry/job-record';
import { FailedPreconditionError, InvalidArgumentError, logInternalError, NotFoundError, toStatusError, type InternalErrorHandler } from './grpc-errors';

/** What GetData works with. */
export interface GetDataOptions {
  data: StoredData;
  /** The job's record. @throws NotFoundError for an unknown job */
  job(jobId: string): Promise<JobRecord>;
  onInternalError?: InternalErrorHandler;
}

/**
 * WorkerService.GetData: a data file the job's spec names (`sha256:<hex>`), as FileChunks. A
 * worker gets only what a job it computes names: a file the spec does not name is NOT_FOUND,
 * as if it did not exist.
 */
export function getDataHandler(options: GetDataOptions): grpc.handleServerStreamingCall<GetDataRequest, GetDataResponse> {
  const onInternal = options.onInternalError ?? logInternalError;
  return (call) => {
    const { jobId, sha256 } = call.request;
    const serve = async (): Promise<void> => {
      if (jobId === '') throw new InvalidArgumentError('job_id', 'must not be empty');
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new InvalidArgumentError('sha256', `expected 64 lower-case hex digits, got ${JSON.stringify(sha256.slice(0, 80))}`);
      const record = await options.job(jobId);
      const named = dataReferences(parseSpecText(record.spec).tasks).some((r) => r.path === `sha256:${sha256}`);
      if (!named) throw new NotFoundError('sha256', `job ${jobId} names no data sha256:${sha256}`);
      const bytes = await options.data.get(sha256);
      if (!bytes) throw new FailedPreconditionError('sha256', `the data sha256:${sha256} of job ${jobId} is not in the coordinator's storage`);
      const messages = toFileChunks(bytes).map((chunk): GetDataResponse => ({ chunk }));
      if (await writeAll(call, messages, () => call.cancelled || call.destroyed)) call.end();
    };
    serve().catch((error: unknown) => {
      if (!call.cancelled && !call.destroyed) call.emit('error', toStatusError(error, onInternal));
    });
  };
}
