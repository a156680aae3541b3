import { describe, expect, it } from 'vitest';
import { pngFromRgba, rawPng } from '../../testing/image-files';
import { decodePng, decodePngWithPngjs } from './decode-png';
import { MAX_IMAGE_PIXELS, type Raster } from './raster';

/** 5×3 RGBA pixels with every value different, some transparent. */
const W = 5;
const H = 3;
const RGBA = Array.from({ length: W * H }, (_, i) => [(i * 53) % 256, (i * 97 + 11) % 256, (i * 29 + 200) % 256, i % 4 === 0 ? 255 : (i * 71) % 256]).flat();

/** The raster as 8-bit RGBA, the form pngjs gives: to compare our decoding with it. */
function asRgba8(r: Raster): number[] {
  const out: number[] = [];
  const to8 = (v: number) => Math.round((v * 255) / r.max);
  for (let i = 0; i < r.width * r.height; i++) {
    const s = Array.from(r.samples.subarray(i * r.channels, (i + 1) * r.channels), to8);
    if (r.channels === 1) out.push(s[0]!, s[0]!, s[0]!, 255);
    else if (r.channels === 2) out.push(s[0]!, s[0]!, s[0]!, s[1]!);
    else if (r.channels === 3) out.push(s[0]!, s[1]!, s[2]!, 255);
    else out.push(...s);
  }
  return out;
}

describe('decodePng', () => {
  it.each([
    ['grey', 0, 1],
    ['RGB', 2, 3],
    ['grey + alpha', 4, 2],
    ['RGBA', 6, 4],
  ] as const)('reads 8- and 16-bit %s like pngjs, keeping the channels it has', (_name, colorType, channels) => {
    for (const depth of [8, 16] as const) {
      const png = pngFromRgba(W, H, RGBA, colorType, depth);
      const raster = decodePng(png);
      expect([raster.width, raster.height, raster.channels, raster.max]).toEqual([W, H, channels, 2 ** depth - 1]);
      expect(asRgba8(raster)).toEqual(Array.from(decodePngWithPngjs(png).samples));
    }
  });

  it('expands a palette, with alpha from tRNS when it has one', () => {
    // 2-bit indices 0..3 over 4 pixels + 1 padding pixel: [0, 1, 2, 3], [3, 2, 1, 0].
    const base = { width: 4, height: 2, depth: 2, colourType: 3, scanlines: [0, 0b00011011, 0, 0b11100100] };
    const palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
    const rgb = decodePng(rawPng({ ...base, palette }));
    expect([rgb.channels, rgb.max]).toEqual([3, 255]);
    expect(Array.from(rgb.samples.subarray(0, 12))).toEqual(palette);
    expect(Array.from(rgb.samples.subarray(12))).toEqual([10, 20, 30, 0, 0, 255, 0, 255, 0, 255, 0, 0]);
    // tRNS may be shorter than the palette: the entries it leaves out are opaque.
    const rgba = decodePng(rawPng({ ...base, palette, transparency: [0, 128] }));
    expect(rgba.channels).toBe(4);
    expect(Array.from(rgba.samples.subarray(0, 16))).toEqual([255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20, 30, 255]);
  });

  it('turns a tRNS colour key into an alpha channel, and reads 1- to 4-bit grey', () => {
    const key = decodePng(rawPng({ width: 3, height: 1, depth: 4, colourType: 0, scanlines: [0, 0x07, 0xf0], transparency: [0, 7] }));
    expect([key.channels, key.max]).toEqual([2, 15]);
    expect(Array.from(key.samples)).toEqual([0, 15, 7, 0, 15, 15]);
    const rgbKey = decodePng(rawPng({ width: 2, height: 1, depth: 8, colourType: 2, scanlines: [0, 1, 2, 3, 4, 5, 6], transparency: [0, 4, 0, 5, 0, 6] }));
    expect(Array.from(rgbKey.samples)).toEqual([1, 2, 3, 255, 4, 5, 6, 0]);
    const oneBit = decodePng(rawPng({ width: 10, height: 1, depth: 1, colourType: 0, scanlines: [0, 0b10110000, 0b01000000] }));
    expect([oneBit.channels, oneBit.max]).toEqual([1, 1]);
    expect(Array.from(oneBit.samples)).toEqual([1, 0, 1, 1, 0, 0, 0, 0, 0, 1]);
  });

  it('leaves interlaced images to pngjs (8-bit RGBA)', () => {
    // Adam7 with one pixel: pass 1 holds it, the other passes are empty.
    const png = rawPng({ width: 1, height: 1, depth: 8, colourType: 2, scanlines: [0, 9, 99, 199], interlaced: true });
    const raster = decodePng(png);
    expect([raster.channels, raster.max, ...raster.samples]).toEqual([4, 255, 9, 99, 199, 255]);
  });

  it('refuses what is not a PNG it can decode, saying why', () => {
    const grey = { width: 2, height: 1, depth: 8, colourType: 0, scanlines: [0, 1, 2] };
    expect(() => decodePng(new TextEncoder().encode('GIF89a not a png'))).toThrow(/not a PNG file/);
    expect(() => decodePng(rawPng(grey).subarray(0, 40))).toThrow(/truncated PNG/);
    expect(() => decodePng(rawPng({ ...grey, depth: 3 }))).toThrow('unsupported PNG: colour type 0 at bit depth 3');
    expect(() => decodePng(rawPng({ ...grey, scanlines: [0, 1] }))).toThrow(/truncated PNG image data/);
    expect(() => decodePng(rawPng({ ...grey, scanlines: [7, 1, 2] }))).toThrow(/bad PNG filter type 7/);
    expect(() => decodePng(rawPng({ ...grey, colourType: 3 }))).toThrow(/without a valid PLTE/);
    expect(() => decodePng(rawPng({ ...grey, colourType: 3, palette: [0, 0, 0, 9, 9, 9] }))).toThrow('palette index 2 out of range (the palette has 2 colours)');
    const huge = { ...grey, width: 5000, height: Math.ceil(MAX_IMAGE_PIXELS / 5000) + 1 };
    expect(() => decodePng(rawPng(huge))).toThrow(/more than 25 megapixels/);
  });
});
