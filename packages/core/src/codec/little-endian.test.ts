import { describe, expect, it } from 'vitest';
import { HOST_IS_LITTLE_ENDIAN, readFloat32LE, writeFloat32LE } from './little-endian';

const PATTERNS = [0x3f800000, 0x80000000, 0x7fc00001, 0xff812345, 0x7f800001, 0x00000001, 0x807fffff, 0xdeadbeef];
const floats = (): Float32Array => new Float32Array(new Uint32Array(PATTERNS).buffer);

describe.each([
  ['host byte order', HOST_IS_LITTLE_ENDIAN],
  // The word-by-word path is the one big-endian hosts take; it is correct on any host.
  ['word-by-word path', false],
])('little-endian float32 (%s)', (_label, hostIsLittleEndian) => {
  it('writes each value as its little-endian bit pattern', () => {
    const dst = new Uint8Array(2 + 4 * PATTERNS.length);
    writeFloat32LE(floats(), dst, 2, hostIsLittleEndian);
    const view = new DataView(dst.buffer);
    expect(PATTERNS.map((_, k) => view.getUint32(2 + 4 * k, true))).toEqual(PATTERNS);
    expect([dst[0], dst[1]]).toEqual([0, 0]);
  });

  it('reads back every bit from an unaligned offset into fresh memory', () => {
    const src = new Uint8Array(3 + 4 * PATTERNS.length);
    const view = new DataView(src.buffer);
    PATTERNS.forEach((w, k) => view.setUint32(3 + 4 * k, w, true));
    const out = readFloat32LE(src, 3, PATTERNS.length, hostIsLittleEndian);
    expect(Array.from(new Uint32Array(out.buffer))).toEqual(PATTERNS);
    src.fill(0);
    expect(Array.from(new Uint32Array(out.buffer))).toEqual(PATTERNS);
  });
});
