import { encodeParams, type ParamSet } from '@metatrain/core';
import { FailedPreconditionError, InvalidArgumentError, logInternalError, toStatusError, type InternalErrorHandler } from './grpc-errors';
import type { ParameterSource } from './parameter-source';
import { type GetParametersRequest, type GetParametersResponse, type grpc, type TensorChunk, toTensorChunks, writeAll } from '@metatrain/contract';

/** Options of {@link getParametersHandler}. */
export interface GetParametersOptions {
  /** Receives failures that are not the caller's fault. @default one line on stderr */
  onInternalError?: InternalErrorHandler;
}

/**
 * WorkerService.GetParameters: streams one parameter version as TensorChunks of at most
 * 1 MiB, layout + total_bytes + checksum in chunk 0. Empty job_id is INVALID_ARGUMENT, an
 * unknown job NOT_FOUND, a version the source does not hold FAILED_PRECONDITION, and the
 * version of shards enqueued ahead that is still not published after a wait ABORTED.
 */
export function getParametersHandler(
  source: ParameterSource,
  options: GetParametersOptions = {},
): grpc.handleServerStreamingCall<GetParametersRequest, GetParametersResponse> {
  const onInternal = options.onInternalError ?? logInternalError;
  // Every worker fetches each version once, all at about the same time: encode (and hash) it
  // once. Keyed by the ParamSet object, so entries go when the source drops the version.
  const encoded = new WeakMap<ParamSet, TensorChunk[]>();

  const chunksOf = (params: ParamSet): TensorChunk[] => {
    let chunks = encoded.get(params);
    if (!chunks) {
      chunks = toTensorChunks(encodeParams(params));
      encoded.set(params, chunks);
    }
    return chunks;
  };

  return (call) => {
    const { jobId, version } = call.request;
    const serve = async (): Promise<void> => {
      if (jobId === '') throw new InvalidArgumentError('job_id', 'must not be empty');
      const params = await source.getParameters(jobId, version);
      if (!params) throw new FailedPreconditionError('version', `job ${JSON.stringify(jobId)} does not hold parameter version ${version}`);
      const messages = chunksOf(params).map((chunk): GetParametersResponse => ({ chunk }));
      if (await writeAll(call, messages, () => call.cancelled || call.destroyed)) call.end();
    };
    serve().catch((error: unknown) => {
      if (!call.cancelled && !call.destroyed) call.emit('error', toStatusError(error, onInternal));
    });
  };
}
