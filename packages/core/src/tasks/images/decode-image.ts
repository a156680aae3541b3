import { decodeJpeg } from './decode-jpeg';
import { decodePng } from './decode-png';
import type { Raster } from './raster';

/** File names the image-folder family reads, by extension (any case). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

/** Whether a file name has one of {@link IMAGE_EXTENSIONS}. */
export function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * Decodes a PNG or a JPEG, told apart by their signatures rather than by the file name (a
 * `.jpg` that is really a PNG still reads). Throws an Error saying why the bytes do not decode.
 */
export function decodeImage(bytes: Uint8Array): Raster {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return decodePng(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes);
  throw new Error('neither a PNG nor a JPEG (unknown signature)');
}
