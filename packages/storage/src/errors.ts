/** What a failed storage call was doing, and how it failed. */
export interface StorageErrorDetails {
  /** `put`, `get`, `list`, `delete` or `create bucket`. */
  operation: string;
  /** The key (or prefix, or bucket) the operation was about. */
  target: string;
  /** The S3 error code or Node error code of the last failure, when there was one. */
  code: string | undefined;
  /** True when the last failure was transient and the retry deadline ran out. */
  transient: boolean;
  /** How many requests were made. */
  attempts: number;
}

/**
 * A storage operation that failed for good. The message names the operation, the target and
 * the server's reason; it is built from scrubbed text only, so it never carries credentials.
 */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    message: string,
    readonly details: StorageErrorDetails,
  ) {
    super(message);
  }
}

/** True for a storage call that kept failing transiently (the endpoint away) past its retry deadline: worth waiting for. */
export function isStorageOutage(error: unknown): boolean {
  return error instanceof StorageError && error.details.transient;
}
