// What coordinator and worker must agree on beyond the .proto files: the shard queue's
// message, job ids and Redis keys, and the chunked tensor streams of WorkerService. Both
// import this package; neither imports the other (DESIGN.md §1).
export { fetchParameters, reportEval, reportPayload, reportShard } from './wire/worker-client';
export { PayloadReceiver } from './wire/payload-receiver';
export type { PayloadReceiverOptions } from './wire/payload-receiver';
export { layoutFromProto, layoutToProto, toTensorChunks } from './wire/tensor-chunks';
export { writeAll } from './wire/write-all';
export { taskMetricsFromWire, taskMetricsToWire } from './wire/task-metrics';
export type { IndexedTaskMetrics } from './wire/task-metrics';
export type { MessageStream } from './wire/write-all';

export { JOB_ID_PATTERN, parseShardMessage, SHARD_KINDS, ShardMessageError } from './queue/shard-message';
export type { ShardKind, ShardMessage } from './queue/shard-message';
export { parseShardJobId, SHARD_JOB_NAME, shardJobId } from './queue/shard-ids';
export type { ShardJobRef } from './queue/shard-ids';
export { DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX, shardQueueKeys } from './queue/queue-keys';
export type { ShardQueueKeys } from './queue/queue-keys';
