import { RetryDeadlineError } from '@metatrain/core';
import { StorageError } from '../errors';

/** What the S3 call was about, for the message. */
export interface S3FailureContext {
  operation: string;
  target: string;
  bucket: string;
  /** `http://host:port`, safe to show. */
  endpoint: string;
  attempts: number;
  /** Strings that must never appear in a message (the secret key). */
  secrets: readonly string[];
}

const CREDENTIAL_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch']);

/** The S3 or Node error code of `err`, if it has a string one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/**
 * Turns whatever minio-js or the retry loop threw into a StorageError whose message says what
 * was being done, where, and why it failed, with hints for the usual misconfigurations. Only
 * the message text of the original error is kept (scrubbed), never the object itself, so
 * neither the message nor an inspected error can leak credentials.
 */
export function toStorageError(err: unknown, ctx: S3FailureContext): StorageError {
  const deadline = err instanceof RetryDeadlineError ? err : undefined;
  const last = deadline ? deadline.lastError : err;
  const code = errorCode(last);
  const text = last instanceof Error ? last.message : String(last);
  let reason = code && !text.includes(code) ? `${code}: ${text}` : text;
  if (deadline) reason = `${deadline.message}; last error: ${reason}`;
  if (code && CREDENTIAL_CODES.has(code)) reason += ' (check the access key and secret key)';
  if (code === 'NoSuchBucket') reason += ' (the bucket was removed after the store was opened?)';
  const where = `in bucket "${ctx.bucket}" at ${ctx.endpoint}`;
  const message = `S3 ${ctx.operation} ${JSON.stringify(ctx.target)} ${where} failed: ${reason}`;
  return new StorageError(scrub(message, ctx.secrets), {
    operation: ctx.operation,
    target: ctx.target,
    code,
    transient: deadline !== undefined,
    attempts: deadline ? deadline.attempts : ctx.attempts,
  });
}

/** Replaces every occurrence of each secret with "[redacted]". */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s !== '').reduce((t, s) => t.split(s).join('[redacted]'), text);
}
