import { retry, type RetryClock } from '@metatrain/core';

/**
 * When and how long to retry a storage request: @metatrain/core's retry loop, with equal
 * jitter, a deadline, and the S3-specific judgement of which failures are transient.
 */

/** Retry tuning; every field is optional. */
export interface RetryOptions {
  /** No new attempt starts once this long has passed since the first one. @default 30_000 */
  deadlineMs?: number;
  /** The backoff before the second attempt; it doubles on each retry. @default 100 */
  initialDelayMs?: number;
  /** The longest single backoff. @default 2_000 */
  maxDelayMs?: number;
}

/** RetryOptions with every default filled in and checked. */
export type CompiledRetryOptions = Required<RetryOptions>;

/** Fills in defaults; throws RangeError on a negative or non-finite value. */
export function compileRetryOptions(options: RetryOptions = {}): CompiledRetryOptions {
  const compiled = {
    deadlineMs: options.deadlineMs ?? 30_000,
    initialDelayMs: options.initialDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 2_000,
  };
  for (const [name, value] of Object.entries(compiled)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry.${name} must be a non-negative number, got ${value}`);
  }
  return compiled;
}

/** Node socket errors that mean "the server is not reachable right now", not "you are wrong". */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', // server restarting
  'ECONNRESET', // server died mid-request, or a kept-alive socket went stale
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT', // also what our transport raises when a socket stays idle too long
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN', // temporary DNS failure (ENOTFOUND is a typo in the endpoint: not retried)
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

/** HTTP statuses worth another try; minio-js reports these without their S3 error code. */
export const RETRYABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 429, 499, 500, 502, 503, 504, 520]);

/** S3 error codes that ask the client to come back later. */
export const RETRYABLE_S3_CODES: ReadonlySet<string> = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'XMinioServerNotInitialized', // MinIO while it starts up
]);

/**
 * Why `err` is transient ("ECONNREFUSED", "HTTP 503", "SlowDown"), or undefined when retrying
 * cannot help (bad credentials, missing bucket, a bug). Looks through `cause` and AggregateError.
 */
export function transientReason(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const { code, message, cause, errors } = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (RETRYABLE_NETWORK_CODES.has(code) || RETRYABLE_S3_CODES.has(code))) return code;
  // minio-js turns a retryable status into a plain Error "... Retryable HTTP status: 503".
  const status = typeof message === 'string' ? /Retryable HTTP status: (\d{3})/.exec(message)?.[1] : undefined;
  if (status !== undefined && RETRYABLE_HTTP_STATUSES.has(Number(status))) return `HTTP ${status}`;
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const reason = transientReason(inner, depth + 1);
    if (reason) return reason;
  }
  return undefined;
}

/** The clock and randomness withRetry uses (tests replace them), and who hears of each retry. */
export interface RetryEnvironment extends RetryClock {
  /** Told about each retry before its backoff. */
  onRetry?(info: { attempt: number; delayMs: number; reason: string }): void;
}

/**
 * Runs `operation` until it succeeds, fails with a non-transient error (rethrown as is, at
 * once), or a transient failure would need a retry past the deadline (RetryDeadlineError, from
 * @metatrain/core). Only for idempotent operations: an attempt may have taken effect before
 * its error arrived.
 */
export function withRetry<T>(operation: (attempt: number) => Promise<T>, options: CompiledRetryOptions, env: Partial<RetryEnvironment> = {}): Promise<T> {
  const { onRetry, ...clock } = env;
  return retry(operation, { ...options, jitter: 'equal', transientReason, onRetry }, clock);
}
