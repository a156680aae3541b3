import { describe, expect, it } from 'vitest';
import { type Raster, rasterToFloat } from './raster';

const f32 = (values: number[]) => values.map(Math.fround);
const raster = (channels: Raster['channels'], samples: number[], max = 255): Raster => ({
  width: samples.length / channels,
  height: 1,
  channels,
  max,
  samples: max > 255 ? Uint16Array.from(samples) : Uint8Array.from(samples),
});

describe('rasterToFloat', () => {
  it('scales grey to [0, 1] with white = 1 (no inversion) and repeats it for RGB', () => {
    const grey = raster(1, [0, 51, 255]);
    expect(Array.from(rasterToFloat(grey, 1))).toEqual(f32([0, 0.2, 1]));
    expect(Array.from(rasterToFloat(grey, 3))).toEqual(f32([0, 0, 0, 0.2, 0.2, 0.2, 1, 1, 1]));
    expect(Array.from(rasterToFloat(raster(1, [0, 0x8000, 0xffff], 0xffff), 1))).toEqual(f32([0, 0x8000 / 0xffff, 1]));
  });

  it('turns colour into grey by luma 0.299 R + 0.587 G + 0.114 B, or keeps RGB', () => {
    const rgb = raster(3, [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const luma = (r: number, g: number, b: number) => 0.299 * (r / 255) + 0.587 * (g / 255) + 0.114 * (b / 255);
    expect(Array.from(rasterToFloat(rgb, 1))).toEqual(f32([0.299, 0.587, 0.114, luma(10, 20, 30)]));
    expect(Array.from(rasterToFloat(rgb, 3))).toEqual(f32([1, 0, 0, 0, 1, 0, 0, 0, 1, 10 / 255, 20 / 255, 30 / 255]));
  });

  it('composites transparent pixels on white: v·a + 1 − a', () => {
    // Opaque black, fully transparent black, half-transparent (a = 102/255) red.
    const rgba = raster(4, [0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 102]);
    const a = 102 / 255;
    expect(Array.from(rasterToFloat(rgba, 3))).toEqual(f32([0, 0, 0, 1, 1, 1, 1, 1 - a, 1 - a]));
    expect(Array.from(rasterToFloat(rgba, 1))).toEqual(f32([0, 1, 0.299 + 0.587 * (1 - a) + 0.114 * (1 - a)]));
    const greyAlpha = raster(2, [0, 255, 0, 0, 51, 51]);
    expect(Array.from(rasterToFloat(greyAlpha, 1))).toEqual(f32([0, 1, 0.2 * 0.2 + 0.8]));
  });
});
