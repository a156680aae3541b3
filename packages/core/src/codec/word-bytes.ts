import { DecodeError } from '../errors';
import { readFloat32LE, writeFloat32LE } from './little-endian';

/**
 * A float32 or int32 array as raw little-endian bytes (tensor.proto's `Tensor.data`). Both
 * dtypes are 4-byte words, moved bit for bit.
 */
export function wordsToBytesLE(values: Float32Array | Int32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  writeFloat32LE(new Float32Array(values.buffer, values.byteOffset, values.length), out, 0);
  return out;
}

function wordCount(bytes: Uint8Array, what: string): number {
  if (bytes.length % 4 !== 0) throw new DecodeError(`${what}: ${bytes.length} bytes is not a whole number of 4-byte values`);
  return bytes.length / 4;
}

/** Little-endian float32 bytes as a new Float32Array. @throws DecodeError when the length is not a multiple of 4 */
export function bytesLEToFloat32(bytes: Uint8Array, what = 'data'): Float32Array {
  return readFloat32LE(bytes, 0, wordCount(bytes, what));
}

/** Little-endian int32 bytes as a new Int32Array. @throws DecodeError when the length is not a multiple of 4 */
export function bytesLEToInt32(bytes: Uint8Array, what = 'data'): Int32Array {
  return new Int32Array(readFloat32LE(bytes, 0, wordCount(bytes, what)).buffer);
}
