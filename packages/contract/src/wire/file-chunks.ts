import { DecodeError, sha256Hex } from '@metatrain/core';
import type { FileChunk } from '../generated';
import { ChunkAssembler, MAX_CHUNK_BYTES, splitIntoChunks } from './chunks';

/** A file as FileChunks (tensor.proto): at most 1 MiB of data each, size and sha256 in chunk 0. */
export function toFileChunks(bytes: Uint8Array): FileChunk[] {
  const parts = bytes.length === 0 ? [new Uint8Array(0)] : splitIntoChunks(bytes);
  const sha256 = sha256Hex(bytes);
  return parts.map((data, index) => ({ data, index, total: parts.length, sizeBytes: index === 0 ? bytes.length : 0, sha256: index === 0 ? sha256 : '' }));
}

/**
 * Receives one file sent as FileChunks, strictly: chunks in order, each at most 1 MiB, size
 * and sha256 in chunk 0 and nowhere else, the declared size within `maxBytes` (checked before
 * any data is kept), the sha256 verified at the end. Every failure is a DecodeError naming the
 * chunk and field.
 */
export class FileReceiver {
  private readonly assembler: ChunkAssembler;
  private sha256 = '';
  /** The size chunk 0 declared; undefined before it arrives. */
  declaredBytes: number | undefined;

  constructor(readonly maxBytes: number) {
    this.assembler = new ChunkAssembler({ maxTotalBytes: maxBytes });
  }

  /** Chunks accepted so far. */
  get received(): number {
    return this.assembler.received;
  }

  push(chunk: FileChunk): void {
    const at = `chunk[${chunk.index}]`;
    if (chunk.data.length > MAX_CHUNK_BYTES) throw new DecodeError(`${at}.data: ${chunk.data.length} bytes exceed the limit of ${MAX_CHUNK_BYTES} per chunk`);
    if (chunk.index === 0) {
      if (!/^[0-9a-f]{64}$/.test(chunk.sha256)) throw new DecodeError(`${at}.sha256: expected 64 lower-case hex digits, got ${JSON.stringify(chunk.sha256)}`);
    } else {
      if (chunk.sha256 !== '') throw new DecodeError(`${at}.sha256: set, but only chunk 0 carries the checksum`);
      if (chunk.sizeBytes !== 0) throw new DecodeError(`${at}.size_bytes: set, but only chunk 0 carries the size`);
    }
    this.assembler.push({ index: chunk.index, total: chunk.total, data: chunk.data, totalBytes: chunk.index === 0 ? chunk.sizeBytes : undefined });
    if (chunk.index === 0) {
      this.sha256 = chunk.sha256;
      this.declaredBytes = chunk.sizeBytes;
    }
  }

  /** The file and its sha256, once every chunk is in. @throws DecodeError for a missing chunk, a size or checksum mismatch */
  finish(): { bytes: Uint8Array; sha256: string } {
    const bytes = this.assembler.finish();
    const actual = sha256Hex(bytes);
    if (actual !== this.sha256) throw new DecodeError(`sha256: the data hashes to ${actual}, chunk 0 declared ${this.sha256}`);
    return { bytes, sha256: actual };
  }
}
