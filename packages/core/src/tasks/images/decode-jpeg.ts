import { decode } from 'jpeg-js';
import { MAX_IMAGE_PIXELS, type Raster } from './raster';

/**
 * Decodes a baseline or progressive JPEG with jpeg-js (pure JavaScript, so every process
 * decodes the same bits) into 8-bit RGB; a greyscale JPEG comes out with R = G = B. Strict:
 * a truncated or corrupt file throws instead of decoding to a partly grey picture. EXIF
 * orientation is not applied: pixels are used as stored.
 */
export function decodeJpeg(jpeg: Uint8Array): Raster {
  const { width, height, data } = decode(jpeg, {
    useTArray: true,
    formatAsRGBA: false,
    tolerantDecoding: false,
    maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
  });
  if (width === 0 || height === 0) throw new Error(`JPEG is ${width}×${height} pixels`);
  return { width, height, channels: 3, max: 255, samples: data };
}
