import { describe, expect, it } from 'vitest';
import { Purpose, Rng } from '../../rng/counter-rng';
import type { OmniglotCharacter } from '../omniglot/dataset';
import { sampleEpisode, toClasses } from './episodes';
import { rotationPermutation } from './resize';

const size = 3;
const pixels = size * size;

/** Character c's drawing d has pixel p = c·1000 + d·10 + p, so every copied image can be traced back. */
const characters: OmniglotCharacter[] = Array.from({ length: 12 }, (_, c) => ({
  alphabet: 'A',
  character: `c${c}`,
  count: 20,
  images: Float32Array.from({ length: 20 * pixels }, (_, i) => c * 1000 + Math.floor(i / pixels) * 10 + (i % pixels)),
}));

function origin(x: Float32Array, row: number) {
  const first = x[row * pixels] as number;
  return { character: Math.floor(first / 1000), drawing: Math.floor((first % 1000) / 10) };
}

describe('sampleEpisode', () => {
  const shape = { ways: 5, shots: 2, queryShots: 3, imageSize: size };

  it('lays out support then query, class-major, with labels in draw order', () => {
    const task = sampleEpisode(Rng.for(1, Purpose.TrainTask, 0, 0), toClasses(characters, false), shape);
    expect(task.support.n).toBe(10);
    expect(task.query.n).toBe(15);
    expect(task.support.x).toHaveLength(10 * pixels);
    expect(Array.from(task.support.y)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(Array.from(task.query.y)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    const classOf = new Map<number, number>();
    for (let label = 0; label < 5; label++) {
      const rows = [
        ...[0, 1].map((k) => origin(task.support.x, label * 2 + k)),
        ...[0, 1, 2].map((k) => origin(task.query.x, label * 3 + k)),
      ];
      const chars = new Set(rows.map((r) => r.character));
      expect(chars.size).toBe(1);
      classOf.set(label, rows[0]?.character as number);
      // Support and query drawings of a class are distinct.
      expect(new Set(rows.map((r) => r.drawing)).size).toBe(5);
    }
    expect(new Set(classOf.values()).size).toBe(5);
    // Whole images are copied, pixel order intact.
    const first = Array.from(task.support.x.subarray(0, pixels));
    expect(first.map((v) => v % 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('is a pure function of the Rng key', () => {
    const classes = toClasses(characters, true);
    const a = sampleEpisode(Rng.for(4, Purpose.TrainTask, 2, 3), classes, shape);
    const b = sampleEpisode(Rng.for(4, Purpose.TrainTask, 2, 3), classes, shape);
    expect(b.support.x).toEqual(a.support.x);
    expect(b.query.x).toEqual(a.query.x);
    const c = sampleEpisode(Rng.for(4, Purpose.TrainTask, 2, 4), classes, shape);
    expect(c.support.x).not.toEqual(a.support.x);
  });

  it('turns rotated classes by an exact permutation', () => {
    const classes = toClasses(characters, true);
    expect(classes).toHaveLength(48);
    expect(classes.slice(0, 4).map((c) => [c.source.character, c.rotation])).toEqual([
      ['c0', 0],
      ['c0', 1],
      ['c0', 2],
      ['c0', 3],
    ]);
    const onlyTurned = classes.filter((c) => c.rotation === 1);
    const task = sampleEpisode(Rng.for(0, Purpose.TrainTask, 0, 1), onlyTurned, {
      ...shape,
      ways: 1,
      shots: 1,
      queryShots: 1,
    });
    const { character, drawing } = origin(Float32Array.from([Math.min(...task.support.x)]), 0);
    const source = (characters[character] as OmniglotCharacter).images.subarray(
      drawing * pixels,
      (drawing + 1) * pixels,
    );
    const perm = rotationPermutation(size, 1);
    expect(Array.from(task.support.x)).toEqual(Array.from(perm, (i) => source[i]));
  });
});
