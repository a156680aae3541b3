import { grpc } from '@metatrain/contract';

// How the worker reads a failed call: which codes are worth trying again, which mean the
// shard's job moved on. Pure; no I/O.

/** Codes that may go away by themselves: the coordinator restarting, overloaded or slow. */
export const TRANSIENT_CODES: ReadonlySet<grpc.status> = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.ABORTED,
]);

/**
 * Codes that say the shard is no longer wanted: the job is gone (NOT_FOUND), or it no longer
 * holds the shard's parameter version or is not running (FAILED_PRECONDITION). Retrying cannot
 * help; the queue job is completed without a result.
 */
export const GONE_CODES: ReadonlySet<grpc.status> = new Set([grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION]);

/** The status code of a grpc-js ServiceError, or undefined for any other error. */
export function grpcCode(error: unknown): grpc.status | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  // grpc-js errors carry `code` and `details`; a Node system error's code is a string.
  return typeof code === 'number' && 'details' in error ? (code as grpc.status) : undefined;
}

export function isTransient(error: unknown): boolean {
  const code = grpcCode(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

export function isGone(error: unknown): boolean {
  const code = grpcCode(error);
  return code !== undefined && GONE_CODES.has(code);
}

/** `NOT_FOUND: no job "x"`: the code's name and the server's message, for one log line. */
export function describeRpcError(error: unknown): string {
  const code = grpcCode(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  const details = (error as { details?: unknown }).details;
  const text = typeof details === 'string' && details !== '' ? tidy(details) : (error as Error).message;
  return `${grpc.status[code] ?? code}: ${text}`;
}

// grpc-js's connection failures read "No connection established. Last error: Error: connect
// ECONNREFUSED 127.0.0.1:1. Resolution note: "; keep the part that says something.
function tidy(details: string): string {
  return details
    .replace(/\.?\s*Resolution note:\s*$/, '')
    .replace(/\. Last error: (?:Error: )?/, ': ')
    .trim();
}
