import { readFileSync, statSync } from 'node:fs';
import { SpecError } from '../../errors';
import { decodeInk } from './decode-ink';
import { readOmniglotZip } from './read-zip';
import { resizeArea } from '../images/resize';

/** One character of one alphabet: all its drawings, resized, in one contiguous array. */
export interface OmniglotCharacter {
  alphabet: string;
  character: string;
  /** number of drawings (20 in the official zips) */
  count: number;
  /** count × imageSize × imageSize, float32 ink coverage in [0, 1] (ink = 1) */
  images: Float32Array;
}

/** The decoded contents of one Omniglot zip at one image size. */
export interface OmniglotDataset {
  path: string;
  imageSize: number;
  /** alphabet names, sorted */
  alphabets: string[];
  /** sorted by alphabet, then character */
  characters: OmniglotCharacter[];
}

interface CacheEntry {
  mtimeMs: number;
  bytes: number;
  dataset: OmniglotDataset;
}

// Decoding a zip takes ~0.1–1 s; task families of one process share the result.
// Keyed by (path, imageSize); an entry is reused only while the file is unchanged.
const cache = new Map<string, CacheEntry>();

/** Drops every cached dataset (frees their memory). */
export function clearOmniglotCache(): void {
  cache.clear();
}

/**
 * Reads an Omniglot zip from disk, decodes every PNG and resizes it to imageSize ×
 * imageSize (area averaging, ink = 1). Cached per (absolute path, imageSize).
 * @param field the spec field to name in a SpecError (e.g. `tasks.path[1]`)
 */
export function loadOmniglotZip(path: string, imageSize: number, field: string): OmniglotDataset {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new SpecError(field, `file not found: ${path}`);
  }
  if (!stat.isFile()) throw new SpecError(field, `not a file: ${path}`);
  const key = `${path}\0${imageSize}`;
  const hit = cache.get(key);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.bytes === stat.size) return hit.dataset;

  let zipped;
  try {
    zipped = readOmniglotZip(readFileSync(path));
  } catch (err) {
    throw new SpecError(field, `cannot read ${path} as a zip: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (zipped.length === 0) {
    throw new SpecError(field, `${path} has no images in the Omniglot layout <alphabet>/<character>/<drawing>.png`);
  }
  const pixels = imageSize * imageSize;
  const characters = zipped.map(({ alphabet, character, pngs }): OmniglotCharacter => {
    const images = new Float32Array(pngs.length * pixels);
    pngs.forEach((png, i) => {
      let decoded;
      try {
        decoded = decodeInk(png);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new SpecError(
          field,
          `${path}: drawing ${i + 1} of ${alphabet}/${character} is not a readable PNG: ${reason}`,
        );
      }
      resizeArea(decoded.ink, decoded.width, decoded.height, imageSize, images, i * pixels);
    });
    return { alphabet, character, count: pngs.length, images };
  });
  const alphabets = [...new Set(characters.map((c) => c.alphabet))];
  const dataset: OmniglotDataset = { path, imageSize, alphabets, characters };
  cache.set(key, { mtimeMs: stat.mtimeMs, bytes: stat.size, dataset });
  return dataset;
}
