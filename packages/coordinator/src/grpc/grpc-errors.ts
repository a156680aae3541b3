import { DecodeError } from '@metatrain/core';
import { grpc } from '@metatrain/contract';

// The domain errors below would belong in ../errors.ts; they live here until the lead moves
// them, since that file is owned by another change.

/**
 * A request the coordinator refuses: `field` is the wire name of the offending field
 * (`job_id`, `header.job_id`), so the status message names it (docs/ARCHITECTURE.md §8).
 */
export abstract class RequestError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(field ? `${field}: ${reason}` : reason);
  }
}

/** Malformed input: a missing, out-of-range or inconsistent field. → INVALID_ARGUMENT */
export class InvalidArgumentError extends RequestError {
  override readonly name = 'InvalidArgumentError';
}

/** The named thing (a job, usually) does not exist. → NOT_FOUND */
export class NotFoundError extends RequestError {
  override readonly name = 'NotFoundError';
}

/** Well-formed, but the current state does not allow it (a parameter version not held). → FAILED_PRECONDITION */
export class FailedPreconditionError extends RequestError {
  override readonly name = 'FailedPreconditionError';
}

/** The caller is known but not allowed to do this (a quarantined worker reporting). → PERMISSION_DENIED */
export class PermissionDeniedError extends RequestError {
  override readonly name = 'PermissionDeniedError';
}

/**
 * The parameter version asked for comes next but is not published yet: its shards were
 * enqueued ahead of it, and the caller took one early. → ABORTED (the worker hands the shard
 * back to the queue, counting no failed attempt, and takes the next)
 */
export class NotPublishedYetError extends RequestError {
  override readonly name = 'NotPublishedYetError';

  constructor(jobId: string, version: number) {
    super('version', `job ${JSON.stringify(jobId)} has not published parameter version ${version} yet (the previous round is still running)`);
  }
}

/**
 * This coordinator cannot take the call now but another (or this one later) can: its loop of
 * the job is stopping. → UNAVAILABLE (the worker tries again; nothing counts against it)
 */
export class UnavailableError extends RequestError {
  override readonly name = 'UnavailableError';
}

/** A status to send instead of a response; grpc-js accepts it in callbacks and `emit('error')`. */
export interface StatusError {
  code: grpc.status;
  details: string;
}

/** Receives failures that are the server's fault (INTERNAL), so none is lost. */
export type InternalErrorHandler = (error: unknown) => void;

/** The default {@link InternalErrorHandler}: one line on stderr. */
export const logInternalError: InternalErrorHandler = (error) => {
  process.stderr.write(`grpc: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
};

/**
 * Maps a failure to exactly one status code (docs/ARCHITECTURE.md §8). The domain errors' messages
 * already name the field, so they pass through unchanged; anything else is a bug of ours,
 * reported to `onInternal` and answered INTERNAL rather than crashing the server.
 */
export function toStatusError(error: unknown, onInternal: InternalErrorHandler = logInternalError): StatusError {
  if (error instanceof InvalidArgumentError || error instanceof DecodeError) {
    return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  }
  if (error instanceof NotFoundError) return { code: grpc.status.NOT_FOUND, details: error.message };
  if (error instanceof FailedPreconditionError) return { code: grpc.status.FAILED_PRECONDITION, details: error.message };
  if (error instanceof PermissionDeniedError) return { code: grpc.status.PERMISSION_DENIED, details: error.message };
  if (error instanceof NotPublishedYetError) return { code: grpc.status.ABORTED, details: error.message };
  if (error instanceof UnavailableError) return { code: grpc.status.UNAVAILABLE, details: error.message };
  onInternal(error);
  return { code: grpc.status.INTERNAL, details: `internal error: ${error instanceof Error ? error.message : String(error)}` };
}
