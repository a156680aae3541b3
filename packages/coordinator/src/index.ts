// The coordinator (issue 3, in progress): storage, round tracking and the worker protocol's gRPC edge.
export { ConfigError, StorageError } from './errors';
export type { StorageErrorDetails } from './errors';
export { S3Store } from './storage/s3-store';
export type { S3Endpoint, S3StoreOptions } from './storage/s3-options';
export { compileRetryOptions, transientReason, withRetry, RetryDeadlineError } from './storage/retry-policy';
export type { CompiledRetryOptions, RetryEnvironment, RetryOptions } from './storage/retry-policy';
export { openStorage, parseStorageConfig } from './storage/storage-from-url';
export type { OpenedStorage, StorageConfig, StorageEnv } from './storage/storage-from-url';

export { RoundTracker } from './rounds/round-tracker';
export type { RoundTrackerOptions } from './rounds/round-tracker';
export type { AcceptedShard, AcceptOutcome, ReportedTaskMetrics, ShardReport } from './rounds/shard-report';
export { getParametersHandler } from './grpc/get-parameters';
export type { GetParametersOptions } from './grpc/get-parameters';
export { reportShardHandler, toResponse } from './grpc/report-shard';
export type { ReportShardOptions } from './grpc/report-shard';
export type { ParameterSource } from './grpc/parameter-source';
export { toShardReport } from './grpc/report-sink';
export type { ReportSink } from './grpc/report-sink';
export { FailedPreconditionError, InvalidArgumentError, NotFoundError, RequestError, logInternalError, toStatusError } from './grpc/grpc-errors';
export type { InternalErrorHandler, StatusError } from './grpc/grpc-errors';
// Worker side of the protocol; to move to a package both coordinator and worker may import.
export { fetchParameters, reportShard } from './grpc/worker-client';
