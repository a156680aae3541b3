// Helpers for tests of the coordinator and of what talks to it: in-memory stand-ins for the
// registry and the queue.
export { MemoryJobRegistry } from './memory-job-registry';
export { MemoryShardQueue } from './memory-shard-queue';
export type { QueuedShard } from './memory-shard-queue';
