import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { encode as encodeJpegRgba } from 'jpeg-js';
import { PNG } from 'pngjs';

/** The fields of a PNG written by hand: any colour type, bit depth, palette and tRNS. */
export interface RawPng {
  width: number;
  height: number;
  depth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA */
  colourType: number;
  /** the scanlines as stored: each row's filter byte, then its packed samples */
  scanlines: number[];
  palette?: number[];
  transparency?: number[];
  interlaced?: boolean;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** A PNG built chunk by chunk, for what pngjs cannot write (palettes, tRNS, 1–4-bit depths). */
export function rawPng(png: RawPng): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(png.width, 0);
  ihdr.writeUInt32BE(png.height, 4);
  ihdr[8] = png.depth;
  ihdr[9] = png.colourType;
  ihdr[12] = png.interlaced ? 1 : 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(png.palette ? [chunk('PLTE', Uint8Array.from(png.palette))] : []),
    ...(png.transparency ? [chunk('tRNS', Uint8Array.from(png.transparency))] : []),
    chunk('IDAT', deflateSync(Buffer.from(png.scanlines))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** An 8- or 16-bit PNG written by pngjs from 8-bit RGBA pixels (colour types 0, 2, 4, 6). */
export function pngFromRgba(width: number, height: number, rgba: readonly number[], colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16 = 8): Uint8Array {
  const options = { colorType, inputColorType: 6, bitDepth, inputHasAlpha: true } as const;
  const png = new PNG({ width, height, ...options });
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png, options);
}

/** A JPEG written by jpeg-js from 8-bit RGB pixels. */
export function jpegFromRgb(width: number, height: number, rgb: readonly number[], quality = 90): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set(rgb.slice(3 * i, 3 * i + 3), 4 * i);
    rgba[4 * i + 3] = 255;
  }
  return encodeJpegRgba({ width, height, data: rgba }, quality).data;
}

/** Writes `files` (relative path → bytes) under `root`, creating folders as needed. */
export function writeTree(root: string, files: Record<string, Uint8Array | string>): void {
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), bytes);
  }
}
