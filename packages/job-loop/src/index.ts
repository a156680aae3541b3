// The one job loop that `metatrain train` and the coordinator both run, and the seam between it
// and where shards are computed. Light: no TensorFlow.js (the in-process shards are the
// `./in-process` entry).
export { JobLoop } from './job-loop';
export type { ExportInfo, JobEnd, JobLoopObserver, JobLoopOptions, ModelExporter, StorageStep } from './job-loop';
export type { BlockCollection, CollectedBlock, CollectedBlocks, ShardRunner, UpcomingCollection } from './shard-runner';
export { checkpointDue, evalDue, nextCollection } from './cadence';
export { CheckpointsExistError, SpecMismatchError } from './errors';
export { fromCheckpoint, toCheckpoint } from './job-state';
export type { SavedState } from './job-state';
