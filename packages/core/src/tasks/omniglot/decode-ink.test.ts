import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { OMNIGLOT_ZIPS } from '../../testing/omniglot-data';
import { decodeInk, decodeInkWithPngjs } from './decode-ink';
import { readOmniglotZip } from './read-zip';

const small1 = OMNIGLOT_ZIPS.small1;

function encode(
  width: number,
  height: number,
  rgba: number[],
  colorType: 0 | 2 | 4 | 6,
  bitDepth: 8 | 16 = 8,
): Uint8Array {
  const png = new PNG({ width, height, colorType, inputColorType: 6, bitDepth, inputHasAlpha: true });
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png, { colorType, inputColorType: 6, bitDepth, inputHasAlpha: true });
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A greyscale PNG written by hand, for bit depths pngjs cannot write. */
function greyPng(width: number, height: number, depth: number, scanlines: number[]): Uint8Array {
  const chunk = (type: string, body: Uint8Array) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'latin1');
    out.set(body, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(scanlines))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function mismatches(a: Float32Array, b: Float32Array): number {
  let n = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('decodeInk', () => {
  it('matches pngjs on real 1-bit Omniglot drawings', () => {
    const characters = readOmniglotZip(readFileSync(small1));
    let compared = 0;
    for (const { pngs } of characters.filter((_, i) => i % 9 === 0)) {
      for (const png of pngs) {
        const fast = decodeInk(png);
        const reference = decodeInkWithPngjs(png);
        expect(fast.width).toBe(105);
        expect(fast.height).toBe(105);
        expect(mismatches(fast.ink, reference.ink)).toBe(0);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('inverts: black ink is 1, white paper is 0, grey in between', () => {
    const rgba = [0, 0, 0, 255, 255, 255, 255, 255, 51, 51, 51, 255, 255, 255, 255, 255];
    for (const colorType of [0, 2] as const) {
      const { width, height, ink } = decodeInk(encode(2, 2, rgba, colorType));
      expect([width, height]).toEqual([2, 2]);
      expect(ink[0]).toBe(1);
      expect(ink[1]).toBe(0);
      expect(ink[2]).toBeCloseTo(0.8, 6);
    }
  });

  it('undoes every scanline filter type like pngjs', () => {
    const width = 9;
    const height = 7;
    const rgba: number[] = [];
    for (let i = 0; i < width * height; i++) {
      const v = (i * 37 + ((i * i) % 11) * 19) % 256;
      rgba.push(v, v, v, 255);
    }
    for (const filterType of [0, 1, 2, 3, 4]) {
      const png = new PNG({ width, height, colorType: 0, inputColorType: 6, filterType });
      png.data = Buffer.from(rgba);
      const bytes = PNG.sync.write(png, { colorType: 0, inputColorType: 6, filterType });
      const fast = decodeInk(bytes);
      expect(mismatches(fast.ink, decodeInkWithPngjs(bytes).ink)).toBe(0);
      expect(fast.ink[1]).toBeCloseTo(1 - (37 + 19) / 255, 6);
    }
  });

  it('reads 2-, 4- and 16-bit greyscale', () => {
    // 3 pixels per row: black, white, and a middle grey.
    expect(Array.from(decodeInk(greyPng(3, 1, 2, [0, 0b00111000])).ink)).toEqual([1, 0, 1 - 2 / 3].map(Math.fround));
    expect(Array.from(decodeInk(greyPng(3, 1, 4, [0, 0x0f, 0x50])).ink)).toEqual([1, 0, 1 - 5 / 15].map(Math.fround));
    const sixteen = decodeInk(greyPng(3, 1, 16, [0, 0, 0, 0xff, 0xff, 0x80, 0x00])).ink;
    expect(Array.from(sixteen)).toEqual([1, 0, 1 - 0x8000 / 0xffff].map(Math.fround));
    const twoBit = greyPng(3, 1, 2, [0, 0b00111000]);
    expect(mismatches(decodeInk(twoBit).ink, decodeInkWithPngjs(twoBit).ink)).toBe(0);
  });

  it('composites transparent pixels on white paper', () => {
    const { ink } = decodeInk(encode(2, 1, [0, 0, 0, 0, 0, 0, 0, 128], 6));
    expect(ink[0]).toBe(0);
    expect(ink[1]).toBeCloseTo(128 / 255, 6);
  });

  it('rejects bytes that are not a PNG', () => {
    expect(() => decodeInk(new TextEncoder().encode('hello, not a png'))).toThrow(/not a PNG/);
  });
});
