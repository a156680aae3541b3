import type { Rng } from '../../rng/counter-rng';
import type { Examples, Task } from '../task';
import type { OmniglotCharacter } from '../omniglot/dataset';
import { copyRotated } from './resize';

/** A class of an episode: a character, possibly turned by a multiple of 90°. */
export interface OmniglotClass {
  character: OmniglotCharacter;
  /** counter-clockwise quarter turns, 0–3 */
  rotation: number;
}

/** Every character as a class; with rotations also its 90°, 180° and 270° turns (character-major). */
export function toClasses(characters: readonly OmniglotCharacter[], rotations: boolean): OmniglotClass[] {
  const turns = rotations ? [0, 1, 2, 3] : [0];
  return characters.flatMap((character) => turns.map((rotation) => ({ character, rotation })));
}

export interface EpisodeShape {
  ways: number;
  shots: number;
  queryShots: number;
  imageSize: number;
}

function emptyExamples(n: number, pixels: number): Examples & { x: Float32Array; y: Int32Array } {
  return { x: new Float32Array(n * pixels), y: new Int32Array(n), n };
}

/**
 * One N-way K-shot episode. Draws, in this order: `ways` distinct classes (label i is the
 * i-th drawn), then for each class in label order `shots + queryShots` distinct drawings, the
 * first `shots` for support and the rest for query. Both sides are class-major (all of label
 * 0, then label 1, …); x is [n, size, size, 1] flattened.
 */
export function sampleEpisode(rng: Rng, classes: readonly OmniglotClass[], shape: EpisodeShape): Task {
  const { ways, shots, queryShots, imageSize } = shape;
  const pixels = imageSize * imageSize;
  const support = emptyExamples(ways * shots, pixels);
  const query = emptyExamples(ways * queryShots, pixels);
  const picked = rng.sample(classes.length, ways);
  picked.forEach((classIndex, label) => {
    const { character, rotation } = classes[classIndex] as OmniglotClass;
    const drawings = rng.sample(character.count, shots + queryShots);
    drawings.forEach((drawing, k) => {
      const [side, row] = k < shots ? [support, label * shots + k] : [query, label * queryShots + k - shots];
      copyRotated(character.images, drawing * pixels, imageSize, rotation, side.x, row * pixels);
      side.y[row] = label;
    });
  });
  return { support, query };
}
