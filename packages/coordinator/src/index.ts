// The coordinator (issue 3, in progress): storage, the shard queue, the job registry, round tracking and the worker protocol's gRPC edge.
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

export { ShardQueue } from './queue/shard-queue';
export type { EnqueueResult, QueueDepth, QueueErrorHandler } from './queue/shard-queue';
export { compileShardQueueOptions } from './queue/shard-queue-options';
export type { CompiledShardQueueOptions, Retention, ShardQueueOptions } from './queue/shard-queue-options';
export { JobRegistry } from './registry/job-registry';
export type { JobRegistryOptions, NewJob } from './registry/job-registry';
export { CorruptRecordError, JOB_STATES } from './registry/job-record';
export type { JobRecord, JobStateName } from './registry/job-record';
export type { JobChange } from './registry/job-change';
export { checkTransition, InvalidTransitionError, isFinal } from './registry/job-transitions';
export { LeaseLostError, RegistryLease } from './registry/lease';
export type { LeaseLossReason } from './registry/lease';
