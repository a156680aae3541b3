import { describe, expect, it } from 'vitest';
import { copyRotated, resizeArea, rotationPermutation } from './resize';

function ramp(size: number): Float32Array {
  return Float32Array.from({ length: size * size }, (_, i) => i / (size * size));
}

function rotate(src: Float32Array, size: number, turns: number): Float32Array {
  const out = new Float32Array(size * size);
  copyRotated(src, 0, size, turns, out, 0);
  return out;
}

describe('resizeArea', () => {
  it('averages whole blocks when the scale is an integer', () => {
    // 4×4 → 2×2: each output is the mean of a 2×2 block.
    const src = Float32Array.from([0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1]);
    const out = new Float32Array(4);
    resizeArea(src, 4, 4, 2, out);
    expect(Array.from(out)).toEqual([0.5, 0, 1, 0.75]);
  });

  it('weights partly covered pixels by their overlap', () => {
    // 3 → 2: output 0 covers pixel 0 fully and half of pixel 1 (weights 2/3, 1/3).
    const src = Float32Array.from([1, 0, 0, 1, 0, 0, 1, 0, 0]);
    const out = new Float32Array(4);
    resizeArea(src, 3, 3, 2, out);
    expect(out[0]).toBeCloseTo(2 / 3, 6);
    expect(out[1]).toBeCloseTo(0, 6);
  });

  it('preserves the mean ink of a 105×105 drawing at 28×28', () => {
    const src = new Float32Array(105 * 105);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7919) % 13 < 3 ? 1 : 0;
    const out = new Float32Array(28 * 28);
    resizeArea(src, 105, 105, 28, out);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(out)).toBeCloseTo(mean(src), 5);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
  });

  it('writes at an offset and is the identity at the same size', () => {
    const src = ramp(5);
    const out = new Float32Array(60);
    resizeArea(src, 5, 5, 5, out, 30);
    expect(Array.from(out.subarray(30, 55))).toEqual(Array.from(src));
    expect(out[29]).toBe(0);
  });
});

describe('rotation', () => {
  it('turns counter-clockwise like numpy rot90', () => {
    const src = Float32Array.from([1, 2, 3, 4]); // [[1, 2], [3, 4]]
    expect(Array.from(rotate(src, 2, 1))).toEqual([2, 4, 1, 3]);
    expect(Array.from(rotate(src, 2, 2))).toEqual([4, 3, 2, 1]);
    expect(Array.from(rotate(src, 2, 3))).toEqual([3, 1, 4, 2]);
  });

  it('is an exact permutation; four quarter turns are the identity', () => {
    const size = 28;
    for (const turns of [1, 2, 3]) {
      const perm = rotationPermutation(size, turns);
      expect(new Set(perm).size).toBe(size * size);
    }
    const src = ramp(size);
    let img = src;
    for (let i = 0; i < 4; i++) img = rotate(img, size, 1);
    expect(img).toEqual(src);
    expect(rotate(rotate(src, size, 1), size, 3)).toEqual(src);
    expect(rotate(src, size, 1)).not.toEqual(src);
  });
});

describe('resizeArea with channels', () => {
  it('resizes each channel of an interleaved image exactly as a single-channel image', () => {
    const [w, h, size] = [13, 9, 4];
    const planes = [0, 1, 2].map((c) => Float32Array.from({ length: w * h }, (_, i) => ((i * (c + 3) * 37) % 101) / 100));
    const interleaved = Float32Array.from({ length: w * h * 3 }, (_, i) => planes[i % 3]![Math.floor(i / 3)]!);
    const out = new Float32Array(5 + size * size * 3);
    resizeArea(interleaved, w, h, size, out, 5, 3);
    planes.forEach((plane, c) => {
      const single = new Float32Array(size * size);
      resizeArea(plane, w, h, size, single);
      expect(Array.from(out.subarray(5).filter((_, i) => i % 3 === c))).toEqual(Array.from(single));
    });
  });

  it('copies and rotates interleaved pixels whole', () => {
    // [[p0, p1], [p2, p3]] with p = (10p, 10p + 1): a quarter turn is [[p1, p3], [p0, p2]].
    const src = Float32Array.from([0, 1, 10, 11, 20, 21, 30, 31]);
    const out = new Float32Array(8);
    copyRotated(src, 0, 2, 1, out, 0, 2);
    expect(Array.from(out)).toEqual([10, 11, 30, 31, 0, 1, 20, 21]);
    copyRotated(src, 0, 2, 0, out, 0, 2);
    expect(Array.from(out)).toEqual(Array.from(src));
  });
});
