import { checkWorkerIdentity } from '../auth/worker-identity';
import type { grpc, ReportEvalRequest, ReportEvalResponse } from '@metatrain/contract';
import { InvalidArgumentError, logInternalError, toStatusError, type InternalErrorHandler } from './grpc-errors';
import { toResponse } from './report-shard';
import type { ReportSink } from './report-sink';

/**
 * WorkerService.ReportEval: one evaluation shard's per-task results, handed to `sink`, whose
 * verdict is answered as ReportShard answers (ACCEPTED, DUPLICATE, STALE, REJECTED + reason).
 * An empty job id is INVALID_ARGUMENT, an unknown job NOT_FOUND.
 */
export function reportEvalHandler(sink: ReportSink, options: { onInternalError?: InternalErrorHandler } = {}): grpc.handleUnaryCall<ReportEvalRequest, ReportEvalResponse> {
  const onInternal = options.onInternalError ?? logInternalError;
  return (call, callback) => {
    const answer = async (): Promise<ReportEvalResponse> => {
      if (call.request.jobId === '') throw new InvalidArgumentError('job_id', 'must not be empty');
      checkWorkerIdentity(call, 'worker_id', call.request.workerId);
      return toResponse(await sink.reportEval(call.request));
    };
    answer().then(
      (response) => callback(null, response),
      (error: unknown) => callback(toStatusError(error, onInternal)),
    );
  };
}
