import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors';
import { bytesLEToFloat32, bytesLEToInt32, wordsToBytesLE } from './word-bytes';

describe('word bytes', () => {
  it('writes float32 little-endian and reads it back bit for bit, NaN payloads included', () => {
    const values = new Float32Array([1, -2.5, Number.NaN, 3e-40]);
    const bits = new Uint32Array(values.buffer);
    bits[2] = 0x7fc00123; // a NaN with a payload
    const bytes = wordsToBytesLE(values);
    expect(Array.from(bytes.slice(0, 4))).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect(Array.from(new Uint32Array(bytesLEToFloat32(bytes).buffer))).toEqual(Array.from(bits));
  });

  it('round-trips int32, negative values included', () => {
    const labels = new Int32Array([0, 4, -1, 2 ** 31 - 1]);
    const bytes = wordsToBytesLE(labels);
    expect(Array.from(bytes.slice(4, 8))).toEqual([4, 0, 0, 0]);
    expect(Array.from(bytesLEToInt32(bytes))).toEqual(Array.from(labels));
  });

  it('reads from an unaligned view', () => {
    const bytes = new Uint8Array(9);
    bytes.set(wordsToBytesLE(new Float32Array([7, 8])), 1);
    expect(Array.from(bytesLEToFloat32(bytes.subarray(1)))).toEqual([7, 8]);
  });

  it('refuses a length that is not a multiple of 4, naming the data', () => {
    expect(() => bytesLEToFloat32(new Uint8Array(6), 'support_inputs.data')).toThrow(DecodeError);
    expect(() => bytesLEToInt32(new Uint8Array(3), 'x')).toThrow(/x: 3 bytes/);
  });
});
