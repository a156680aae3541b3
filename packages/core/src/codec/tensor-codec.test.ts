import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors';
import { type NamedArray, paramsEqual, type ParamSet } from '../params';
import { decodeParams, encodeParams, type LayoutEntry } from './tensor-codec';

function fromBits(name: string, shape: number[], bits: number[]): NamedArray {
  return { name, shape, values: new Float32Array(new Uint32Array(bits).buffer) };
}

const bitsOf = (p: NamedArray | undefined): number[] =>
  p ? Array.from(new Uint32Array(p.values.buffer, p.values.byteOffset, p.values.length)) : [];

const sample = (): ParamSet => [
  { name: 'dense/kernel', shape: [2, 3], values: Float32Array.from([1, -2, 3.5, 0.25, -1e-3, 7]) },
  { name: 'dense/bias', shape: [3], values: Float32Array.from([0.5, 0, -0.5]) },
  { name: 'scale', shape: [], values: Float32Array.from([2]) },
  { name: 'empty', shape: [0, 4], values: new Float32Array(0) },
];

describe('encodeParams / decodeParams', () => {
  it('round-trips names, shapes and values', () => {
    const params = sample();
    const { layout, bytes, checksum } = encodeParams(params);
    expect(layout).toEqual(params.map((p) => ({ name: p.name, shape: p.shape, dtype: 'float32' })));
    expect(bytes.length).toBe(4 * 10);
    expect(checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(paramsEqual(decodeParams(layout, bytes, checksum), params)).toBe(true);
  });

  it('writes raw little-endian float32 concatenated in order', () => {
    const { bytes } = encodeParams([
      { name: 'a', shape: [1], values: Float32Array.from([1]) },
      { name: 'b', shape: [1], values: Float32Array.from([-2]) },
    ]);
    expect(Array.from(bytes)).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
  });

  it('preserves NaN payloads, -0, infinities and subnormals bit for bit', () => {
    const bits = [0x7fc00000, 0x7fc00001, 0xffffffff, 0x7f800001, 0xff812345, 0x80000000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000];
    const params = [fromBits('special', [bits.length], bits)];
    const { layout, bytes, checksum } = encodeParams(params);
    const decoded = decodeParams(layout, bytes, checksum);
    expect(bitsOf(decoded[0])).toEqual(bits);
  });

  it('encodes an empty set as zero bytes', () => {
    const { layout, bytes, checksum } = encodeParams([]);
    expect(bytes.length).toBe(0);
    expect(decodeParams(layout, bytes, checksum)).toEqual([]);
  });

  it('shares no memory with its inputs', () => {
    const params = sample();
    const { layout, bytes, checksum } = encodeParams(params);
    params[0]?.values.fill(9);
    params[0]?.shape.push(1);
    const decoded = decodeParams(layout, bytes, checksum);
    bytes.fill(0);
    layout[0]?.shape.push(1);
    expect(paramsEqual(decoded, sample())).toBe(true);
  });

  it('decodes from an unaligned view of a larger buffer', () => {
    const { layout, bytes, checksum } = encodeParams(sample());
    const backing = new Uint8Array(bytes.length + 5);
    backing.set(bytes, 1);
    const view = backing.subarray(1, 1 + bytes.length);
    expect(paramsEqual(decodeParams(layout, view, checksum), sample())).toBe(true);
  });

  it('accepts an upper-case checksum and no checksum at all', () => {
    const { layout, bytes, checksum } = encodeParams(sample());
    expect(paramsEqual(decodeParams(layout, bytes, checksum.toUpperCase()), sample())).toBe(true);
    expect(paramsEqual(decodeParams(layout, bytes), sample())).toBe(true);
  });

  it('refuses to encode a set it could not decode', () => {
    const v = Float32Array.from([1, 2]);
    expect(() => encodeParams([{ name: '', shape: [2], values: v }])).toThrow(/empty name/);
    expect(() => encodeParams([{ name: 'a', shape: [2], values: v }, { name: 'a', shape: [2], values: v }])).toThrow(/duplicate name "a"/);
    expect(() => encodeParams([{ name: 'a', shape: [-2], values: v }])).toThrow(/dimension 0 is -2/);
    expect(() => encodeParams([{ name: 'a', shape: [3], values: v }])).toThrow(/2 values for shape \[3\]/);
  });
});

describe('decodeParams rejects bad input with a DecodeError', () => {
  const good = encodeParams(sample());
  const withEntry = (k: number, patch: Record<string, unknown>): LayoutEntry[] =>
    good.layout.map((e, i) => (i === k ? ({ ...e, ...patch } as LayoutEntry) : e));

  const cases: [string, () => unknown, RegExp][] = [
    ['checksum mismatch', () => decodeParams(good.layout, good.bytes, 'ab'.repeat(32)), /checksum: mismatch, expected abab/],
    ['flipped bit', () => decodeParams(good.layout, flipBit(good.bytes), good.checksum), /checksum: mismatch/],
    ['empty checksum', () => decodeParams(good.layout, good.bytes, ''), /checksum: "" is not a hex sha256/],
    ['malformed checksum', () => decodeParams(good.layout, good.bytes, 'z'.repeat(64)), /not a hex sha256/],
    ['too few bytes', () => decodeParams(good.layout, good.bytes.subarray(4)), /got 36 bytes, layout needs 40/],
    ['too many bytes', () => decodeParams(good.layout, new Uint8Array(44)), /got 44 bytes, layout needs 40/],
    ['layout for more than the bytes', () => decodeParams(withEntry(0, { shape: [1000, 1000] }), good.bytes), /layout\[0\]\.shape: \[1000, 1000\] needs more than the 40 bytes/],
    ['negative dimension', () => decodeParams(withEntry(1, { shape: [-3] }), good.bytes), /layout\[1\]\.shape: dimension 0 is -3/],
    ['fractional dimension', () => decodeParams(withEntry(1, { shape: [1.5, 2] }), good.bytes), /dimension 0 is 1\.5/],
    ['NaN dimension', () => decodeParams(withEntry(1, { shape: [3, NaN] }), good.bytes), /dimension 1 is NaN/],
    ['string dimension', () => decodeParams(withEntry(1, { shape: ['3'] }), good.bytes), /dimension 0 is "3"/],
    ['shape not an array', () => decodeParams(withEntry(1, { shape: 3 }), good.bytes), /layout\[1\]\.shape: not an array/],
    ['unknown dtype', () => decodeParams(withEntry(2, { dtype: 'float16' }), good.bytes), /layout\[2\]\.dtype: unknown dtype "float16"/],
    ['missing dtype', () => decodeParams(withEntry(2, { dtype: undefined }), good.bytes), /unknown dtype undefined/],
    ['int32 dtype', () => decodeParams(withEntry(2, { dtype: 'int32' }), good.bytes), /int32 is not supported/],
    ['duplicate names', () => decodeParams(withEntry(1, { name: 'dense/kernel' }), good.bytes), /layout\[1\]\.name: duplicate name "dense\/kernel"/],
    ['empty name', () => decodeParams(withEntry(0, { name: '' }), good.bytes), /layout\[0\]\.name: must be a non-empty string/],
    ['non-string name', () => decodeParams(withEntry(0, { name: 7 }), good.bytes), /layout\[0\]\.name: must be a non-empty string/],
    ['null entry', () => decodeParams([null] as unknown as LayoutEntry[], good.bytes), /layout\[0\]: not an object/],
    ['layout not an array', () => decodeParams({} as unknown as LayoutEntry[], good.bytes), /layout: not an array/],
    ['bytes not bytes', () => decodeParams(good.layout, [1, 2] as unknown as Uint8Array), /tensor bytes: not a byte array/],
  ];

  it.each(cases)('%s', (_label, run, message) => {
    expect(run).toThrow(DecodeError);
    expect(run).toThrow(message);
  });
});

function flipBit(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[5] = (copy[5] ?? 0) ^ 0x10;
  return copy;
}
