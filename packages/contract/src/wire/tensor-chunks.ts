import { DecodeError, type EncodedParams, type LayoutEntry } from '@metatrain/core';
import { MAX_CHUNK_BYTES, splitIntoChunks } from './chunks';
import { DataType, TensorChunk, type TensorLayout } from '../generated';

/** The codec's layout in wire form. */
export function layoutToProto(layout: readonly LayoutEntry[]): TensorLayout {
  return {
    entries: layout.map((e) => ({ name: e.name, shape: [...e.shape], dtype: e.dtype === 'int32' ? DataType.INT32 : DataType.FLOAT32 })),
  };
}

/**
 * A wire layout in codec form. Only the dtype is checked here (the codec has no name for
 * UNSPECIFIED or unknown values); names and shapes are left to `decodeParams`, which checks
 * them against the byte length.
 *
 * @throws DecodeError naming the entry whose dtype is not FLOAT32 or INT32.
 */
export function layoutFromProto(layout: TensorLayout): LayoutEntry[] {
  return layout.entries.map((e, i) => {
    if (e.dtype !== DataType.FLOAT32 && e.dtype !== DataType.INT32) {
      throw new DecodeError(`chunk[0].layout.entries[${i}].dtype: ${e.dtype} is not FLOAT32 or INT32 (${JSON.stringify(e.name)})`);
    }
    return { name: e.name, shape: [...e.shape], dtype: e.dtype === DataType.FLOAT32 ? 'float32' : 'int32' };
  });
}

/**
 * An encoded payload as TensorChunks (tensor.proto): layout, total_bytes and checksum in
 * chunk 0 only, data cut into pieces of at most `maxChunkBytes`. The data are views into
 * `encoded.bytes`, not copies, so a large payload is not held twice.
 */
export function toTensorChunks(encoded: EncodedParams, maxChunkBytes = MAX_CHUNK_BYTES): TensorChunk[] {
  const pieces = splitIntoChunks(encoded.bytes, maxChunkBytes);
  return pieces.map((data, index) =>
    TensorChunk.create({
      layout: index === 0 ? layoutToProto(encoded.layout) : undefined,
      data,
      index,
      total: pieces.length,
      totalBytes: index === 0 ? encoded.bytes.length : 0,
      checksum: index === 0 ? encoded.checksum : '',
    }),
  );
}
