// The metatrain worker: BullMQ consumer, compute in a worker thread, gRPC client of the
// coordinator (docs/ARCHITECTURE.md §2). It imports core, contract and http, never the coordinator; only
// its compute thread loads metalearn (eslint.config.js checks both).
export { Worker } from './worker';
export { compileWorkerOptions, defaultWorkerId, WORKER_ENV, WORKER_ENV_NAMES, WORKER_LOG_ENV, workerOptionsFromEnv } from './config/worker-options';
export type { CompiledWorkerOptions, WorkerOptions } from './config/worker-options';
export type { ShardEvent, ShardOutcome } from './shards/shard-event';
export { ComputeThreadError, RegistrationError, ShardRejectedError, WorkerClosedError, WorkerRefusedError } from './errors';
export { describeTestFaults, testFaultsFromEnv } from './faults/test-faults';
export type { ReportFault, TestFaults, TestFaultSwitch } from './faults/test-faults';
export { describeFakeCompute, FAKE_COMPUTE_ENV, fakeComputeFromEnv } from './compute/fake-compute-switch';
export type { FakeComputeOptions } from './compute/fake-compute-switch';
export { WORKER_VERSION } from './version';
export { WorkerMetrics } from './http/worker-metrics';
export type { WorkerIdentityLabels, WorkerState } from './http/worker-metrics';
