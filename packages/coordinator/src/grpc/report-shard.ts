import { DecodeError } from '@metatrain/core';
import { checkWorkerIdentity } from '../auth/worker-identity';
import type { AcceptOutcome } from '../rounds/shard-report';
import { InvalidArgumentError, logInternalError, toStatusError, type InternalErrorHandler } from './grpc-errors';
import { type grpc, PayloadReceiver, type PayloadReceiverOptions, type ReportHeader, type ReportShardRequest, type ReportShardResponse, ReportStatus } from '@metatrain/contract';
import type { ReportSink } from './report-sink';

/** Options of {@link reportShardHandler}. */
export interface ReportShardOptions extends PayloadReceiverOptions {
  /** Receives failures that are not the caller's fault. @default one line on stderr */
  onInternalError?: InternalErrorHandler;
}

/**
 * WorkerService.ReportShard: reads the header, then the chunked block sums; decodes them and
 * verifies their checksum; hands it to `sink` and answers its verdict (ACCEPTED, DUPLICATE, STALE,
 * REJECTED + reason). A stream that breaks the contract (no header first, a second header,
 * chunks out of order or oversized, bad checksum) is INVALID_ARGUMENT naming the field, as
 * soon as it is seen; an unknown job is NOT_FOUND. Nothing a client sends can throw out of
 * the handler.
 */
export function reportShardHandler(
  sink: ReportSink,
  options: ReportShardOptions = {},
): grpc.handleClientStreamingCall<ReportShardRequest, ReportShardResponse> {
  const onInternal = options.onInternalError ?? logInternalError;

  return (call, callback) => {
    const receiver = new PayloadReceiver(options);
    let header: ReportHeader | undefined;
    // Exactly one answer per call; after it (or a cancel), further messages are dropped unread.
    let settled = false;
    const answer = (error: unknown, response?: ReportShardResponse): void => {
      if (settled) return;
      settled = true;
      if (response) callback(null, response);
      else callback(toStatusError(error, onInternal));
    };

    const take = (message: ReportShardRequest): void => {
      const payload = message.payload;
      if (!payload) throw new InvalidArgumentError('payload', 'empty message: set header or chunk');
      if (payload.$case === 'header') {
        if (header) throw new InvalidArgumentError('header', 'sent twice: only the first message is a header');
        if (payload.value.jobId === '') throw new InvalidArgumentError('header.job_id', 'must not be empty');
        checkWorkerIdentity(call, 'header.worker_id', payload.value.workerId);
        header = payload.value;
      } else {
        if (!header) throw new InvalidArgumentError('header', 'missing: the first message of a report must be its header');
        receiver.push(payload.value);
      }
    };

    // A sum that does not decode is the sender's fault: the sink hears of it (and may answer
    // instead, e.g. PERMISSION_DENIED for a quarantined worker).
    const refusal = (error: unknown): unknown => {
      if (!header || !(error instanceof DecodeError) || !sink.reportUnreadable) return error;
      try {
        sink.reportUnreadable(header, error.message);
        return error;
      } catch (replacement) {
        return replacement;
      }
    };

    const finish = async (): Promise<ReportShardResponse> => {
      if (!header) throw new InvalidArgumentError('header', 'missing: the stream ended without one');
      if (receiver.received === 0) throw new InvalidArgumentError('chunk', 'missing: a report carries its block sums in at least one chunk');
      const sum = receiver.finish();
      return toResponse(await sink.reportShard(header, sum));
    };

    call.on('data', (message: ReportShardRequest) => {
      if (settled) return;
      try {
        take(message);
      } catch (error) {
        answer(refusal(error));
      }
    });
    call.on('end', () => {
      if (settled) return;
      finish().then(
        (response) => answer(undefined, response),
        (error: unknown) => answer(refusal(error)),
      );
    });
    call.on('cancelled', () => {
      settled = true;
    });
  };
}

/** The wire form of a tracker's verdict; `reason` is empty only for ACCEPTED. */
export function toResponse(outcome: AcceptOutcome): ReportShardResponse {
  switch (outcome) {
    case 'ACCEPTED':
      return { status: ReportStatus.ACCEPTED, reason: '' };
    case 'DUPLICATE':
      return { status: ReportStatus.DUPLICATE, reason: 'every block of this shard was already accepted (first result wins)' };
    case 'STALE':
      return { status: ReportStatus.STALE, reason: 'the round is closed or the job is no longer running' };
    default:
      return { status: ReportStatus.REJECTED, reason: outcome.rejected };
  }
}
