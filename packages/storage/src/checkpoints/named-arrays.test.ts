import { describe, expect, it } from 'vitest';
import { DecodeError, paramsEqual, type ParamSet } from '@metatrain/core';
import { decodeNamedArrays, encodeNamedArrays } from './named-arrays';

function sample(): ParamSet {
  // A NaN with a non-default payload, -0 and infinities must all survive bit for bit.
  const odd = new Float32Array(new Uint32Array([0x7fc01234, 0x80000000, 0x7f800000, 0xff800000, 1]).buffer);
  return [
    { name: 'dense/kernel', shape: [2, 3], values: Float32Array.from([1, -2.5, 3e-38, 4e38, 0.1, 1 / 3]) },
    { name: 'odd', shape: [5], values: odd },
    { name: 'scalar', shape: [], values: Float32Array.from([7]) },
    { name: 'empty', shape: [0, 4], values: new Float32Array(0) },
    { name: 'ünïcode ✓', shape: [1, 1], values: Float32Array.from([42]) },
  ];
}

describe('named arrays', () => {
  it('round-trips names, shapes and every bit', () => {
    const params = sample();
    const bytes = encodeNamedArrays(params);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('MTNA');
    const back = decodeNamedArrays(bytes);
    expect(paramsEqual(back, params)).toBe(true);
    expect(new Uint32Array(back[1]!.values.buffer)[0]).toBe(0x7fc01234);
    expect(decodeNamedArrays(encodeNamedArrays([]))).toEqual([]);
  });

  it('aligns the data to 4 bytes and decodes from an unaligned view', () => {
    const bytes = encodeNamedArrays(sample());
    const headerLength = new DataView(bytes.buffer).getUint32(8, true);
    expect(headerLength % 4).toBe(0);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(paramsEqual(decodeNamedArrays(shifted.subarray(1)), sample())).toBe(true);
  });

  it('refuses to encode values that do not fill their shape', () => {
    expect(() => encodeNamedArrays([{ name: 'w', shape: [3], values: new Float32Array(2) }])).toThrow(/w: 2 values/);
  });

  const good = () => encodeNamedArrays(sample());
  const withHeader = (header: string) => {
    const json = new TextEncoder().encode(header);
    const out = new Uint8Array(12 + json.length);
    out.set([0x4d, 0x54, 0x4e, 0x41]);
    new DataView(out.buffer).setUint32(4, 1, true);
    new DataView(out.buffer).setUint32(8, json.length, true);
    out.set(json, 12);
    return out;
  };
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['too short', () => good().subarray(0, 7), /shorter than the preamble/],
    ['bad magic', () => Object.assign(good(), { 0: 0x58 }), /bad magic/],
    ['unknown version', () => { const b = good(); b[4] = 9; return b; }, /version 9/],
    ['header overruns the file', () => { const b = good(); new DataView(b.buffer).setUint32(8, 1e6, true); return b; }, /header length/],
    ['truncated data', () => good().subarray(0, good().length - 4), /header describes/],
    ['trailing bytes', () => { const b = new Uint8Array(good().length + 4); b.set(good()); return b; }, /header describes/],
    ['header not JSON', () => withHeader('{"dtype":'), /not JSON/],
    ['wrong dtype', () => withHeader('{"dtype":"int32","arrays":[]}'), /dtype "float32"/],
    ['bad name', () => withHeader('{"dtype":"float32","arrays":[{"name":1,"shape":[]}]}'), /name is not a string/],
    ['bad shape', () => withHeader('{"dtype":"float32","arrays":[{"name":"w","shape":[-1]}]}'), /shape/],
    ['huge shape', () => withHeader('{"dtype":"float32","arrays":[{"name":"w","shape":[1e9,1e9]}]}'), /implausibly/],
  ];
  it.each(cases)('throws DecodeError on %s', (_name, make, message) => {
    const attempt = () => decodeNamedArrays(make());
    expect(attempt).toThrow(DecodeError);
    expect(attempt).toThrow(message);
  });
});
