/** Decoded pixels before any conversion: interleaved samples, row-major, top row first. */
export interface Raster {
  width: number;
  height: number;
  /** samples per pixel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA */
  channels: 1 | 2 | 3 | 4;
  /** the sample value of full intensity: 2^depth − 1 (255 for 8-bit, 65535 for 16-bit) */
  max: number;
  samples: Uint8Array | Uint16Array;
}

/** Rec. 601 luma weights, the usual grey level of an RGB colour (and what pngjs-based ink uses). */
export const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * A raster as model inputs: values in [0, 1] (1 = white; no inversion), transparent pixels
 * composited on white (v' = a·v + 1 − a), then either grey (`channels: 1`; colour by luma
 * 0.299 R + 0.587 G + 0.114 B) or RGB (`channels: 3`; grey repeated). Computed in float64,
 * stored as float32, interleaved (HWC).
 */
export function rasterToFloat(raster: Raster, channels: 1 | 3): Float32Array {
  const { width, height, samples, max } = raster;
  const step = raster.channels;
  const colour = step >= 3;
  const hasAlpha = step === 2 || step === 4;
  const pixels = width * height;
  const out = new Float32Array(pixels * channels);
  const [wr, wg, wb] = LUMA;
  for (let i = 0, p = 0; i < pixels; i++, p += step) {
    const a = hasAlpha ? (samples[p + step - 1] as number) / max : 1;
    const white = 1 - a;
    const r = a * ((samples[p] as number) / max) + white;
    if (!colour) {
      if (channels === 1) out[i] = r;
      else out.fill(r, 3 * i, 3 * i + 3);
      continue;
    }
    const g = a * ((samples[p + 1] as number) / max) + white;
    const b = a * ((samples[p + 2] as number) / max) + white;
    if (channels === 1) {
      out[i] = wr * r + wg * g + wb * b;
    } else {
      out[3 * i] = r;
      out[3 * i + 1] = g;
      out[3 * i + 2] = b;
    }
  }
  return out;
}

/**
 * Largest image (width × height) the decoders accept: bigger ones are refused before their
 * pixels are allocated (a 25-megapixel RGBA image is 100 MB of samples, 300 MB as float RGB).
 */
export const MAX_IMAGE_PIXELS = 25_000_000;
