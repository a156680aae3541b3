/**
 * What the processes agree on, and the code that speaks it: the gRPC contract (`metatrain.v1`
 * and `grpc.health.v1`, generated from `proto/` by `pnpm gen`), the chunked tensor streams of
 * WorkerService, the worker's calls, TLS, and the shard queue's message, job ids and Redis
 * keys. Light: no TensorFlow.js, no BullMQ.
 */
export * from './generated';

export { stackBlockSums, unstackBlockSums } from './wire/block-sums';
export { ChunkAssembler, MAX_CHUNK_BYTES, splitIntoChunks } from './wire/chunks';
export type { Chunk, ChunkAssemblerOptions } from './wire/chunks';
export { fetchData, fetchParameters, reportEval, reportPayload, reportShard } from './wire/worker-client';
export { FileReceiver, toFileChunks } from './wire/file-chunks';
export { PayloadReceiver } from './wire/payload-receiver';
export type { PayloadReceiverOptions } from './wire/payload-receiver';
export { layoutFromProto, layoutToProto, toTensorChunks } from './wire/tensor-chunks';
export { writeAll } from './wire/write-all';
export type { MessageStream } from './wire/write-all';
export { taskMetricsFromWire, taskMetricsToWire } from './wire/task-metrics';

export { channelCredentials } from './tls/client-credentials';
export { certificateIdentity, isBoundWorkerId, unboundWorkerIdReason } from './tls/certificate-identity';
export type { ClientTls } from './tls/client-credentials';
export { readCertificates, readKeyPair, TlsFileError } from './tls/pem-files';
export type { KeyPair, PemFile } from './tls/pem-files';

export { JOB_ID_PATTERN, parseShardMessage, ShardMessageError } from './queue/shard-message';
export type { ShardMessage } from './queue/shard-message';
export { parseShardJobId, SHARD_JOB_NAME, shardJobId } from './queue/shard-ids';
export type { ShardJobRef } from './queue/shard-ids';
export { DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX, laneQueueName, shardQueueKeys } from './queue/queue-keys';
export type { Lane, ShardQueueKeys } from './queue/queue-keys';
export { encodeParameterAnnouncement, parseParameterAnnouncement } from './queue/parameter-announcement';
export type { ParameterAnnouncement } from './queue/parameter-announcement';

export { eventJson } from './events/event-json';
export type { EventJson } from './events/event-json';
