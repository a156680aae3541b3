import { DecodeError } from '@metatrain/core';

/** The wire's chunk size limit (docs/ARCHITECTURE.md §8): 1 MiB of data per message. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/**
 * Cuts a payload into chunks of at most `maxChunkBytes`. The chunks are views into `bytes`
 * (no copy), so `bytes` must not change while they are in flight. An empty payload gives one
 * empty chunk, because the first chunk carries the payload's description.
 */
export function splitIntoChunks(bytes: Uint8Array, maxChunkBytes = MAX_CHUNK_BYTES): Uint8Array[] {
  if (!Number.isSafeInteger(maxChunkBytes) || maxChunkBytes <= 0) {
    throw new RangeError(`maxChunkBytes must be a positive integer, got ${maxChunkBytes}`);
  }
  if (bytes.length === 0) return [bytes.subarray(0, 0)];
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += maxChunkBytes) {
    chunks.push(bytes.subarray(start, start + maxChunkBytes));
  }
  return chunks;
}

/** One received piece of a payload; `totalBytes` is only looked at on chunk 0. */
export interface Chunk {
  index: number;
  total: number;
  data: Uint8Array;
  /** The whole payload's length as chunk 0 declares it (TensorChunk.total_bytes). */
  totalBytes?: number;
}

export interface ChunkAssemblerOptions {
  /**
   * Largest payload accepted, declared or received; protects memory from a bad peer.
   * @default 1 GiB
   */
  maxTotalBytes?: number;
}

const DEFAULT_MAX_TOTAL_BYTES = 1024 * 1024 * 1024;

/**
 * Reassembles a chunked payload, strictly: chunks must arrive in order 0..total-1, each once,
 * all agreeing on `total`, within the size limit. Any deviation is a DecodeError naming the
 * chunk, since a gap or a repeat means the stream is broken and its bytes cannot be trusted.
 */
export class ChunkAssembler {
  private readonly maxTotalBytes: number;
  private readonly parts: Uint8Array[] = [];
  private count = 0;
  private total: number | undefined;
  private declaredBytes: number | undefined;
  private receivedBytes = 0;
  private result: Uint8Array | undefined;

  constructor(options: ChunkAssemblerOptions = {}) {
    this.maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
    if (!Number.isSafeInteger(this.maxTotalBytes) || this.maxTotalBytes < 0) {
      throw new RangeError(`maxTotalBytes must be a non-negative integer, got ${this.maxTotalBytes}`);
    }
  }

  /** Chunks accepted so far. */
  get received(): number {
    return this.count;
  }

  /** True once all `total` chunks are in. */
  get complete(): boolean {
    return this.total !== undefined && this.count === this.total;
  }

  /** Accepts the next chunk; its data is copied, so the caller may reuse its buffer. */
  push(chunk: Chunk): void {
    if (typeof chunk !== 'object' || chunk === null) throw new DecodeError('chunk: not an object');
    if (this.result) throw new DecodeError(`chunk ${describe(chunk.index)}: payload already finished`);
    const { index, total, data } = chunk;
    if (!isCount(index)) throw new DecodeError(`chunk index: ${describe(index)} is not a non-negative integer`);
    if (!isCount(total) || total === 0) {
      throw new DecodeError(`chunk ${index}: total ${describe(total)} is not a positive integer`);
    }
    if (!(data instanceof Uint8Array)) throw new DecodeError(`chunk ${index}: data is not a byte array`);
    if (this.total !== undefined && total !== this.total) {
      throw new DecodeError(`chunk ${index}: total ${total} differs from the first chunk's ${this.total}`);
    }
    if (index >= total) throw new DecodeError(`chunk ${index}: index out of range (total ${total})`);
    const expected = this.count;
    if (index < expected) throw new DecodeError(`chunk ${index}: duplicate`);
    if (index > expected) {
      throw new DecodeError(`chunk ${index}: out of order, expected chunk ${expected} (a chunk is missing or late)`);
    }
    if (index === 0) this.acceptDeclaredSize(chunk.totalBytes);

    if (this.receivedBytes + data.length > this.maxTotalBytes) {
      throw new DecodeError(`chunk ${index}: payload exceeds the limit of ${this.maxTotalBytes} bytes`);
    }
    if (this.declaredBytes !== undefined && this.receivedBytes + data.length > this.declaredBytes) {
      throw new DecodeError(`chunk ${index}: payload exceeds its declared ${this.declaredBytes} bytes`);
    }
    this.total = total;
    this.parts.push(data.slice());
    this.count += 1;
    this.receivedBytes += data.length;
  }

  /**
   * The whole payload, in fresh memory.
   * @throws DecodeError when chunks are missing or the size differs from the declared one.
   */
  finish(): Uint8Array {
    if (this.result) return this.result;
    if (this.total === undefined) throw new DecodeError('chunks: none received');
    if (this.count < this.total) {
      throw new DecodeError(`chunks: missing chunks ${this.count}..${this.total - 1} of ${this.total}`);
    }
    if (this.declaredBytes !== undefined && this.receivedBytes !== this.declaredBytes) {
      throw new DecodeError(`chunks: got ${this.receivedBytes} bytes, the first chunk declared ${this.declaredBytes}`);
    }
    const out = new Uint8Array(this.receivedBytes);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    this.parts.length = 0; // the result holds the bytes now
    this.result = out;
    return out;
  }

  private acceptDeclaredSize(totalBytes: number | undefined): void {
    if (totalBytes === undefined) return;
    if (!isCount(totalBytes)) throw new DecodeError(`chunk 0: totalBytes ${describe(totalBytes)} is not a non-negative integer`);
    if (totalBytes > this.maxTotalBytes) {
      throw new DecodeError(`chunk 0: declared ${totalBytes} bytes exceed the limit of ${this.maxTotalBytes} bytes`);
    }
    this.declaredBytes = totalBytes;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value !== null ? 'an object' : String(value);
}
