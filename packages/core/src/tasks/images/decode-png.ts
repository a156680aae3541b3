import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { unfilter } from './png-unfilter';
import { MAX_IMAGE_PIXELS, type Raster } from './raster';

/** What the chunks of a PNG say, before its image data is inflated. */
export interface PngChunks {
  width: number;
  height: number;
  /** bits per sample */
  depth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA */
  colourType: number;
  interlaced: boolean;
  /** PLTE: RGB triples */
  palette?: Uint8Array;
  /** tRNS: alpha per palette entry, or the one transparent grey or RGB value */
  transparency?: Uint8Array;
  idat: Uint8Array[];
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel and the bit depths the PNG specification allows, per colour type. */
const COLOUR_TYPES: Record<number, { samples: number; depths: number[] }> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16] },
  2: { samples: 3, depths: [8, 16] },
  3: { samples: 1, depths: [1, 2, 4, 8] },
  4: { samples: 2, depths: [8, 16] },
  6: { samples: 4, depths: [8, 16] },
};

/** Reads the chunk structure; throws if the bytes are not a PNG this decoder understands. */
export function readPngChunks(png: Uint8Array): PngChunks {
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) throw new Error('not a PNG file (bad signature)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let header: Omit<PngChunks, 'idat'> | undefined;
  const idat: Uint8Array[] = [];
  for (let p = 8; p < png.length;) {
    if (p + 8 > png.length) throw new Error('truncated PNG (a chunk header is cut off)');
    const length = view.getUint32(p);
    const type = String.fromCharCode(...png.subarray(p + 4, p + 8));
    if (p + 12 + length > png.length) throw new Error(`truncated PNG (the ${type} chunk is cut off)`);
    const body = png.subarray(p + 8, p + 8 + length);
    if (type === 'IHDR') {
      header = {
        width: view.getUint32(p + 8),
        height: view.getUint32(p + 12),
        depth: body[8] as number,
        colourType: body[9] as number,
        interlaced: body[12] === 1,
      };
    } else if (!header) {
      throw new Error(`PNG starts with a ${type} chunk, not IHDR`);
    } else if (type === 'PLTE') {
      header.palette = body;
    } else if (type === 'tRNS') {
      header.transparency = body;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    p += 12 + length;
  }
  if (!header) throw new Error('PNG has no IHDR chunk');
  const { width, height, depth, colourType } = header;
  if (!COLOUR_TYPES[colourType]?.depths.includes(depth)) throw new Error(`unsupported PNG: colour type ${colourType} at bit depth ${depth}`);
  if (width === 0 || height === 0) throw new Error(`PNG is ${width}×${height} pixels`);
  if (width * height > MAX_IMAGE_PIXELS) throw new Error(`PNG is ${width}×${height} pixels, more than ${MAX_IMAGE_PIXELS / 1e6} megapixels`);
  if (idat.length === 0) throw new Error('PNG has no image data (IDAT)');
  return { ...header, idat };
}

/**
 * Decodes a PNG of any colour type into its samples. Non-interlaced images (nearly all) are
 * decoded here at their own bit depth, palettes expanded and tRNS turned into an alpha
 * channel; interlaced ones go through pngjs (8-bit RGBA).
 */
export function decodePng(png: Uint8Array): Raster {
  const chunks = readPngChunks(png);
  return chunks.interlaced ? decodePngWithPngjs(png) : decodeChunks(chunks);
}

/** pngjs's decoding as a raster: 8-bit RGBA, whatever the file holds. */
export function decodePngWithPngjs(png: Uint8Array): Raster {
  const { width, height, data } = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  return { width, height, channels: 4, max: 255, samples: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Inflates, unfilters and unpacks a non-interlaced PNG. */
export function decodeChunks(chunks: PngChunks): Raster {
  const { width, height, depth, colourType } = chunks;
  const samplesPerPixel = (COLOUR_TYPES[colourType] as { samples: number }).samples;
  const bitsPerPixel = samplesPerPixel * depth;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const expected = height * (rowBytes + 1);
  const compressed = chunks.idat.length === 1 ? (chunks.idat[0] as Uint8Array) : Buffer.concat(chunks.idat);
  // Capped at the size the header promises, so a small file cannot inflate to gigabytes.
  const raw = inflateSync(compressed, { maxOutputLength: expected });
  if (raw.length < expected) throw new Error('truncated PNG image data');
  const rows = unfilter(raw, height, rowBytes, Math.max(1, bitsPerPixel >> 3));
  const samples = unpack(rows, width * samplesPerPixel, height, rowBytes, depth);
  if (colourType === 3) return expandPalette(chunks, samples);
  const raster: Raster = { width, height, channels: samplesPerPixel as Raster['channels'], max: 2 ** depth - 1, samples };
  return chunks.transparency && (colourType === 0 || colourType === 2) ? withColourKey(raster, chunks.transparency) : raster;
}

/** Samples of every row, without padding bits: bytes below 16 bits, 16-bit words at 16. */
function unpack(rows: Uint8Array, perRow: number, height: number, rowBytes: number, depth: number): Uint8Array | Uint16Array {
  if (depth === 8) return rows; // rowBytes === perRow: no padding at 8 bits
  const out = depth === 16 ? new Uint16Array(perRow * height) : new Uint8Array(perRow * height);
  const mask = 2 ** depth - 1;
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let k = 0; k < perRow; k++) {
      if (depth === 16) {
        out[y * perRow + k] = ((rows[row + 2 * k] as number) << 8) | (rows[row + 2 * k + 1] as number);
      } else {
        const bit = k * depth;
        out[y * perRow + k] = ((rows[row + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & mask;
      }
    }
  }
  return out;
}

/** Palette indices → 8-bit RGB, or RGBA when tRNS gives the entries' alpha. */
function expandPalette(chunks: PngChunks, indices: Uint8Array | Uint16Array): Raster {
  const palette = chunks.palette;
  if (!palette || palette.length === 0 || palette.length % 3 !== 0) throw new Error('palette PNG without a valid PLTE chunk');
  const entries = palette.length / 3;
  const alpha = chunks.transparency;
  const channels = alpha ? 4 : 3;
  const samples = new Uint8Array(indices.length * channels);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    if (index >= entries) throw new Error(`palette index ${index} out of range (the palette has ${entries} colours)`);
    samples.set(palette.subarray(3 * index, 3 * index + 3), channels * i);
    if (alpha) samples[channels * i + 3] = index < alpha.length ? (alpha[index] as number) : 255;
  }
  return { width: chunks.width, height: chunks.height, channels, max: 255, samples };
}

/** Grey or RGB with a tRNS colour key: that one value becomes transparent, all others opaque. */
function withColourKey(raster: Raster, trns: Uint8Array): Raster {
  const colours = raster.channels;
  const key = Array.from({ length: colours }, (_, c) => (((trns[2 * c] ?? 0) << 8) | (trns[2 * c + 1] ?? 0)) & raster.max);
  const pixels = raster.width * raster.height;
  const src = raster.samples;
  const samples = src instanceof Uint16Array ? new Uint16Array(pixels * (colours + 1)) : new Uint8Array(pixels * (colours + 1));
  for (let i = 0; i < pixels; i++) {
    let transparent = true;
    for (let c = 0; c < colours; c++) {
      const v = src[i * colours + c] as number;
      samples[i * (colours + 1) + c] = v;
      if (v !== key[c]) transparent = false;
    }
    samples[i * (colours + 1) + colours] = transparent ? 0 : raster.max;
  }
  return { ...raster, channels: (colours + 1) as Raster['channels'], samples };
}
