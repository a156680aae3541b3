// Where a job's bytes live: the BlobStore seam with its directory, memory and S3 implementations,
// the retry policy of storage calls, and the checkpoint format on top. Which key holds what is
// @metatrain/core's storage layout (`storageKeys`).
export { assertValidKey } from './blob-store';
export type { BlobStore } from './blob-store';
export { DirectoryStore } from './directory-store';
export { MemoryStore } from './memory-store';
export { S3Store } from './s3/s3-store';
export type { S3Endpoint, S3StoreOptions } from './s3/s3-options';
export { openStorage, parseStorageConfig } from './storage-from-url';
export type { OpenedStorage, StorageConfig, StorageEnv } from './storage-from-url';
export { compileRetryOptions, transientReason, withRetry } from './retry-policy';
export type { CompiledRetryOptions, RetryEnvironment, RetryOptions } from './retry-policy';
export { isStorageOutage, StorageError } from './errors';
export type { StorageErrorDetails } from './errors';

export { CheckpointStore } from './checkpoints/checkpoint-store';
export type { Checkpoint, CheckpointStoreOptions } from './checkpoints/checkpoint-store';
export { decodeNamedArrays, encodeNamedArrays } from './checkpoints/named-arrays';
