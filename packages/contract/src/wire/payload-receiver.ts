import { DecodeError, decodeParams, type LayoutEntry, type ParamSet } from '@metatrain/core';
import { ChunkAssembler, MAX_CHUNK_BYTES } from './chunks';
import type { TensorChunk } from '../generated';
import { layoutFromProto } from './tensor-chunks';

/** Limits of a {@link PayloadReceiver}. */
export interface PayloadReceiverOptions {
  /**
   * Largest payload accepted, declared (chunk 0's total_bytes) or received; protects memory
   * from a bad peer.
   * @default 1 GiB
   */
  maxPayloadBytes?: number;
}

const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

/**
 * Receives one chunked parameter payload (tensor.proto's TensorChunk contract) on either side
 * of the wire and decodes it. Strict, because a stream that breaks the contract cannot be
 * trusted to hold the bits that were sent: chunks in order, each at most 1 MiB, layout and
 * checksum in chunk 0 and nowhere else, checksum verified at the end.
 *
 * Every failure is a DecodeError whose message names the chunk and field.
 */
export class PayloadReceiver {
  private readonly assembler: ChunkAssembler;
  private layout: LayoutEntry[] | undefined;
  private checksum = '';

  constructor(options: PayloadReceiverOptions = {}) {
    this.assembler = new ChunkAssembler({ maxTotalBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES });
  }

  /** Chunks accepted so far. */
  get received(): number {
    return this.assembler.received;
  }

  /** Takes the next chunk; its data is copied. */
  push(chunk: TensorChunk): void {
    const at = `chunk[${chunk.index}]`;
    if (chunk.data.length > MAX_CHUNK_BYTES) {
      throw new DecodeError(`${at}.data: ${chunk.data.length} bytes exceed the limit of ${MAX_CHUNK_BYTES} per chunk`);
    }
    let layout: LayoutEntry[] | undefined;
    if (chunk.index === 0) {
      if (!chunk.layout) throw new DecodeError(`${at}.layout: missing (chunk 0 carries the payload's layout)`);
      if (chunk.checksum === '') throw new DecodeError(`${at}.checksum: missing (chunk 0 carries the payload's checksum)`);
      layout = layoutFromProto(chunk.layout);
    } else {
      // Fields of the whole payload belong to chunk 0 only; a later one means a confused sender.
      if (chunk.layout) throw new DecodeError(`${at}.layout: set, but only chunk 0 carries the layout`);
      if (chunk.checksum !== '') throw new DecodeError(`${at}.checksum: set, but only chunk 0 carries the checksum`);
      if (chunk.totalBytes !== 0) throw new DecodeError(`${at}.total_bytes: set, but only chunk 0 carries the size`);
    }
    // proto3 cannot tell an unset total_bytes from 0, so chunk 0 always declares a size.
    this.assembler.push({ index: chunk.index, total: chunk.total, data: chunk.data, totalBytes: chunk.index === 0 ? chunk.totalBytes : undefined });
    // Only now: a repeated chunk 0 (refused by the assembler) must not replace the layout.
    if (layout) {
      this.layout = layout;
      this.checksum = chunk.checksum;
    }
  }

  /**
   * The decoded parameters, once every chunk is in.
   * @throws DecodeError when chunks are missing, the size differs from the declared one, the
   *   layout does not decode or the checksum does not match.
   */
  finish(): ParamSet {
    const bytes = this.assembler.finish();
    if (!this.layout) throw new DecodeError('chunk[0]: missing');
    return decodeParams(this.layout, bytes, this.checksum);
  }
}
