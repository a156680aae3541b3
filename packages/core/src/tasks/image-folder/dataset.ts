import { SpecError } from '../../errors';
import { decodeImage } from '../images/decode-image';
import { rasterToFloat } from '../images/raster';
import { resizeArea } from '../images/resize';
import { groupByClass } from './folder-layout';
import { type ImageSource, openImageSource } from './image-source';

/** One class folder: all its images, decoded and resized, in one contiguous array. */
export interface ImageClass {
  name: string;
  /** number of images */
  count: number;
  /** count × imageSize × imageSize × channels, float32 in [0, 1] (white = 1), NHWC */
  images: Float32Array;
}

/** The decoded contents of one image folder (or zip) at one image size and channel count. */
export interface ImageFolderDataset {
  path: string;
  imageSize: number;
  channels: 1 | 3;
  /** sorted by name (code units) */
  classes: ImageClass[];
}

// Decoding a folder of photos takes seconds; the task families of one process (train,
// evaluation, export; a worker's shards) share it. Keyed by (path, imageSize, channels); an
// entry is reused only while the source's fingerprint (its files' sizes and times) holds.
const cache = new Map<string, { fingerprint: string; dataset: ImageFolderDataset }>();

/** Drops every cached image folder (frees their memory). */
export function clearImageFolderCache(): void {
  cache.clear();
}

/**
 * Reads a folder with one sub-folder of PNG/JPEG images per class (or a zip of one), decodes
 * every image, converts it to grey (1 channel) or RGB (3), composited on white, and resizes it
 * to imageSize × imageSize by area averaging. Cached per (absolute path, imageSize, channels).
 * @param field the spec field to name in a SpecError (`tasks.path`, `tasks.testPath`)
 */
export function loadImageFolder(path: string, imageSize: number, channels: 1 | 3, field: string): ImageFolderDataset {
  const source = openImageSource(path, field);
  const key = `${path}\0${imageSize}\0${channels}`;
  const hit = cache.get(key);
  if (hit && hit.fingerprint === source.fingerprint) return hit.dataset;

  const where = source.kind === 'zip' ? path : `folder ${path}`;
  const classFiles = groupByClass(source.list(), { where: path, field, skipTopFolder: source.kind === 'zip' });
  if (classFiles.length === 0) {
    throw new SpecError(field, `${where} has no images (.png, .jpg, .jpeg) in the layout <class>/<image>`);
  }
  const values = imageSize * imageSize * channels;
  const classes = classFiles.map(({ name, files }): ImageClass => {
    const images = new Float32Array(files.length * values);
    files.forEach((file, i) => decodeInto(source, file, { imageSize, channels, field }, images, i * values));
    return { name, count: files.length, images };
  });
  const dataset: ImageFolderDataset = { path, imageSize, channels, classes };
  cache.set(key, { fingerprint: source.fingerprint, dataset });
  return dataset;
}

function decodeInto(
  source: ImageSource,
  file: string,
  opts: { imageSize: number; channels: 1 | 3; field: string },
  out: Float32Array,
  offset: number,
): void {
  const bytes = source.read(file);
  let raster;
  try {
    raster = decodeImage(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SpecError(opts.field, `${source.describe(file)} is not a readable PNG or JPEG: ${reason}`);
  }
  const pixels = rasterToFloat(raster, opts.channels);
  resizeArea(pixels, raster.width, raster.height, opts.imageSize, out, offset, opts.channels);
}
