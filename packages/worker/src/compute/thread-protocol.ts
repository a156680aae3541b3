import type { BackendInfo, BlockRange, ParamSet, TaskMetrics } from '@metatrain/core';
import type { ShardKind } from '@metatrain/core';

// The messages between the worker's main thread and its compute threads. Parameters travel as
// Float32Arrays on SharedArrayBuffers (ParameterSource): every thread reads the one copy the
// main thread fetched, nothing is copied per shard. Block sums come back as transferred
// buffers (moved, not copied); everything else is small.

/** The compute thread's `workerData`. */
export interface ThreadData {
  /** URL of the thread's module (thread-main.ts). */
  entry: string;
  /** URL of tsx's ESM API when the entry is TypeScript; the bootstrap registers it first. */
  tsx: string | undefined;
  /** Relative dataset paths in specs resolve against it. */
  dataDir: string;
}

/** One shard to compute. */
export interface ComputeRequest {
  kind: 'compute';
  id: number;
  /** A train shard (sum and metrics) or an evaluation shard (metrics of held-out tasks only). */
  shardKind: ShardKind;
  jobId: string;
  /** The job's spec text (GetJob); compute contexts are cached per job id and spec. */
  specText: string;
  /** Local copies of the data the spec names, fetched by the main thread: uploaded with the job (`sha256:<hex>`) and catalog datasets (`dataset:<name>`). */
  files: ReadonlyMap<string, string>;
  /** The parameter version the shard computes from (a train shard's round). */
  version: number;
  /** The shard's blocks, of the round or of its evaluation; their tasks follow from the spec's `blockSize`. */
  blocks: BlockRange;
  /** The parameters of `version`: shared memory, read only (a structured clone of a SharedArrayBuffer shares it). */
  params: ParamSet;
}

export type ThreadRequest = ComputeRequest;

/** What the thread says about itself once its backend is up. */
export interface ThreadReady {
  kind: 'ready';
  backend: BackendInfo;
}

/** The thread could not start (a forced backend that is not available, say). */
export interface ThreadInitFailed {
  kind: 'init-failed';
  error: SerializedError;
}

/** A log line from the thread (its backend choice, for instance). */
export interface ThreadLog {
  kind: 'log';
  line: string;
}

/** The shard's block sums (one per block, in block order; none for an evaluation shard) and per-task metrics. */
export interface ComputeDone {
  kind: 'computed';
  id: number;
  sums: ParamSet[];
  /** One entry per task of the shard's blocks, in task order. */
  metrics: Array<TaskMetrics & { task: number }>;
  computeMs: number;
}

export interface ComputeFailed {
  kind: 'failed';
  id: number;
  error: SerializedError;
}

export type ThreadReply = ThreadReady | ThreadInitFailed | ThreadLog | ComputeDone | ComputeFailed;

/** An error as it crosses the thread boundary (class identity does not). */
export interface SerializedError {
  name: string;
  message: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/**
 * `params` with every array on a buffer of its own, and the buffers to transfer. An array
 * that is a view into a larger or shared buffer (a Node Buffer pool slice, say) is copied
 * first: transferring its buffer would detach memory that other objects still use.
 */
export function transferable(params: ParamSet): { params: ParamSet; transfer: ArrayBuffer[] } {
  const seen = new Set<ArrayBufferLike>();
  const transfer: ArrayBuffer[] = [];
  const owned = params.map((p) => {
    const { values } = p;
    const whole = values.byteOffset === 0 && values.byteLength === values.buffer.byteLength && values.buffer instanceof ArrayBuffer;
    const own = whole && !seen.has(values.buffer) ? values : new Float32Array(values);
    seen.add(own.buffer);
    transfer.push(own.buffer as ArrayBuffer);
    return { name: p.name, shape: [...p.shape], values: own };
  });
  return { params: owned, transfer };
}
