/**
 * Float32 arrays <-> little-endian bytes, bit for bit on any host.
 *
 * Values are moved as 32-bit words (or raw bytes), never through a JS number: converting a
 * float32 NaN to a double and back may change its payload, and the wire promises every bit.
 */

/** True when typed arrays on this host store multi-byte values little-endian. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Writes `src` as little-endian float32 into `dst` starting at byte `offset`. */
export function writeFloat32LE(
  src: Float32Array,
  dst: Uint8Array,
  offset: number,
  hostIsLittleEndian = HOST_IS_LITTLE_ENDIAN,
): void {
  if (hostIsLittleEndian) {
    dst.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), offset);
    return;
  }
  // A Float32Array's byteOffset is always a multiple of 4, so this word view is valid.
  const words = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  for (let k = 0; k < words.length; k++) view.setUint32(offset + 4 * k, words[k] ?? 0, true);
}

/**
 * Reads `count` little-endian float32 values from `src` starting at byte `offset` into a new
 * array; the result never shares memory with `src`, and `src` may be unaligned.
 */
export function readFloat32LE(
  src: Uint8Array,
  offset: number,
  count: number,
  hostIsLittleEndian = HOST_IS_LITTLE_ENDIAN,
): Float32Array {
  const out = new Float32Array(count);
  if (hostIsLittleEndian) {
    new Uint8Array(out.buffer).set(src.subarray(offset, offset + 4 * count));
    return out;
  }
  const words = new Uint32Array(out.buffer);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let k = 0; k < count; k++) words[k] = view.getUint32(offset + 4 * k, true);
  return out;
}
