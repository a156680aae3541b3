import type { Rng } from '../../rng/counter-rng';
import type { Examples, Task } from '../task';
import { copyRotated } from './resize';

/** The images of one class in one contiguous array: count × imageSize × imageSize × channels. */
export interface ClassImages {
  readonly count: number;
  readonly images: Float32Array;
}

/** A class of an episode: a class's images, possibly turned by a multiple of 90°. */
export interface EpisodeClass<C extends ClassImages = ClassImages> {
  source: C;
  /** counter-clockwise quarter turns, 0–3 (single-channel images only) */
  rotation: number;
}

/** Every source as a class; with rotations also its 90°, 180° and 270° turns (source-major). */
export function toClasses<C extends ClassImages>(sources: readonly C[], rotations: boolean): EpisodeClass<C>[] {
  const turns = rotations ? [0, 1, 2, 3] : [0];
  return sources.flatMap((source) => turns.map((rotation) => ({ source, rotation })));
}

export interface EpisodeShape {
  ways: number;
  shots: number;
  queryShots: number;
  imageSize: number;
  /** values per pixel @default 1 */
  channels?: number;
}

function emptyExamples(n: number, values: number): Examples & { x: Float32Array; y: Int32Array } {
  return { x: new Float32Array(n * values), y: new Int32Array(n), n };
}

/**
 * One N-way K-shot episode. Draws, in this order: `ways` distinct classes (label i is the
 * i-th drawn), then for each class in label order `shots + queryShots` distinct images, the
 * first `shots` for support and the rest for query. Both sides are class-major (all of label
 * 0, then label 1, …); x is [n, size, size, channels] flattened.
 */
export function sampleEpisode(rng: Rng, classes: readonly EpisodeClass[], shape: EpisodeShape): Task {
  const { ways, shots, queryShots, imageSize } = shape;
  const channels = shape.channels ?? 1;
  const values = imageSize * imageSize * channels;
  const support = emptyExamples(ways * shots, values);
  const query = emptyExamples(ways * queryShots, values);
  const picked = rng.sample(classes.length, ways);
  picked.forEach((classIndex, label) => {
    const { source, rotation } = classes[classIndex] as EpisodeClass;
    if (rotation % 4 !== 0 && channels !== 1) throw new Error('only single-channel images are rotated');
    const drawn = rng.sample(source.count, shots + queryShots);
    drawn.forEach((image, k) => {
      const [side, row] = k < shots ? [support, label * shots + k] : [query, label * queryShots + k - shots];
      copyRotated(source.images, image * values, imageSize, rotation, side.x, row * values, channels);
      side.y[row] = label;
    });
  });
  return { support, query };
}
