// Helpers for tests and benches (`@metatrain/coordinator/testing`): the registry and the queue in
// memory, BullMQ queues and Redis driven by hand, Prometheus text parsed, a WorkerService served
// with stand-in jobs. They live
// here because they need this package's bullmq, ioredis and internals, which the root's tests
// and benches do not depend on. Not in the images (.dockerignore drops testing/).
export { deleteKeys, keyTtl, QueueProbe } from '../queue/testing/queue-probe';
export type { TakenJob } from '../queue/testing/queue-probe';
export { snapshotKeys } from '../registry/testing/redis-snapshot';
export { parseSamples, sampleValue } from '../metrics/testing/exposition';
export type { Sample } from '../metrics/testing/exposition';
export { randomParams } from '../grpc/testing/random-params';
export { FakeJobs, inSeconds, startWorkerService } from '../grpc/testing/worker-service-fixture';
export type { FakeJob, WorkerServiceFixture } from '../grpc/testing/worker-service-fixture';
// The coordinator's own bullmq and ioredis (the very modules its BullShardQueue and RedisJobRegistry
// load), for a bench that runs BullMQ consumers or reads Redis itself.
export { WaitingError, Worker as QueueWorker } from 'bullmq';
export { Redis } from 'ioredis';
export { MemoryJobRegistry } from './memory-job-registry';
export { MemoryShardQueue } from './memory-shard-queue';
export type { QueuedShard } from './memory-shard-queue';
export { MemoryShardLanes } from './memory-shard-lanes';
