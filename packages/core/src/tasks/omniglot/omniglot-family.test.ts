import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Purpose, Rng } from '../../rng/counter-rng';
import type { OmniglotTasksSpec } from '../../spec/schema';
import { loadOmniglotZip } from './dataset';
import { createOmniglotFamily } from './omniglot-family';
import { copyRotated } from '../images/resize';
import { specError } from '../../testing/catch-spec-error';
import { omniglotDir as dataDir } from '../../testing/omniglot-data';

function spec(overrides: Partial<OmniglotTasksSpec> = {}): OmniglotTasksSpec {
  return {
    family: 'omniglot',
    path: 'images_background_small1.zip',
    ways: 5,
    shots: 1,
    queryShots: 15,
    imageSize: 28,
    rotations: false,
    split: { by: 'alphabet', testFraction: 0.2 },
    ...overrides,
  };
}

const create = (overrides: Partial<OmniglotTasksSpec> = {}) =>
  createOmniglotFamily(spec(overrides), { baseDir: dataDir });


const keyOf = (x: Float32Array, row: number) =>
  Buffer.from(x.buffer, x.byteOffset + row * 784 * 4, 784 * 4).toString('base64');

/** Every image (all rotations) of the given alphabets of small1, by content. */
function imagesOf(alphabets: string[]): Set<string> {
  const dataset = loadOmniglotZip(join(dataDir, 'images_background_small1.zip'), 28, 'tasks.path');
  const keys = new Set<string>();
  const turned = new Float32Array(784);
  for (const c of dataset.characters.filter((c) => alphabets.includes(c.alphabet))) {
    for (let d = 0; d < c.count; d++) {
      for (let r = 0; r < 4; r++) {
        copyRotated(c.images, d * 784, 28, r, turned, 0);
        keys.add(keyOf(turned, 0));
      }
    }
  }
  return keys;
}

describe('omniglot family', () => {
  it('samples N-way K-shot episodes of 28×28×1 images in [0, 1]', () => {
    const family = create();
    expect(family.kind).toBe('classification');
    expect(family.inputShape).toEqual([28, 28, 1]);
    expect(family.outputSize).toBe(5);
    expect([family.supportSize, family.querySize]).toEqual([5, 75]);
    const task = family.sample(Rng.for(1, Purpose.TrainTask, 0, 0), 'train');
    expect(task.support.x).toHaveLength(5 * 784);
    expect(task.query.x).toHaveLength(75 * 784);
    expect(Array.from(task.support.y)).toEqual([0, 1, 2, 3, 4]);
    expect(task.query.y).toBeInstanceOf(Int32Array);
    expect(Array.from(task.query.y.subarray(0, 16))).toEqual([...Array(15).fill(0), 1]);
    expect(Math.min(...task.query.x)).toBe(0);
    expect(Math.max(...task.query.x)).toBeLessThanOrEqual(1);
    const again = create().sample(Rng.for(1, Purpose.TrainTask, 0, 0), 'train');
    expect(Buffer.from(again.query.x.buffer).equals(Buffer.from(task.query.x.buffer))).toBe(true);
  });

  it('describes its preprocessing and split', () => {
    const family = create({ rotations: true });
    const { preprocessing, source, labels } = family.describe();
    expect(preprocessing).toEqual({
      imageSize: 28,
      valueRange: [0, 1],
      ink: 1,
      resize: 'area',
      channels: 1,
      rotations: true,
    });
    expect(labels).toBeUndefined();
    expect(source).toMatchObject({
      trainAlphabets: ['Balinese', 'Early_Aramaic', 'Greek', 'Korean'],
      testAlphabets: ['Latin'],
      characters: { train: 110, test: 26 },
      classes: { train: 440, test: 104 },
      drawingsPerCharacter: 20,
    });
  });

  it('never draws a held-out image for training, nor a training image for testing', () => {
    const family = create({ rotations: true });
    const train = imagesOf(['Balinese', 'Early_Aramaic', 'Greek', 'Korean']);
    const test = imagesOf(['Latin']);
    for (let i = 0; i < 20; i++) {
      const trainTask = family.sample(Rng.for(0, Purpose.TrainTask, 0, i), 'train');
      const testTask = family.sample(Rng.for(0, Purpose.EvalTask, 0, i), 'test');
      for (let row = 0; row < 5; row++) {
        expect(train.has(keyOf(trainTask.support.x, row))).toBe(true);
        expect(test.has(keyOf(trainTask.support.x, row))).toBe(false);
        expect(test.has(keyOf(testTask.support.x, row))).toBe(true);
        expect(train.has(keyOf(testTask.support.x, row))).toBe(false);
      }
    }
  });

  it('tests on the alphabets of testPath that path lacks', () => {
    const family = create({ testPath: 'images_background_small2.zip' });
    expect(family.describe().source).toMatchObject({
      trainAlphabets: ['Balinese', 'Early_Aramaic', 'Greek', 'Korean', 'Latin'],
      testAlphabets: ['Japanese_(katakana)', 'Sanskrit', 'Tagalog'],
      characters: { train: 136, test: 106 },
    });
    const both = create({ path: ['images_background_small1.zip', 'images_background_small2.zip'] });
    expect(both.describe().source).toMatchObject({
      duplicateAlphabetsSkipped: ['Greek', 'Latin'],
      testAlphabets: ['Sanskrit', 'Tagalog'],
      characters: { train: 183, test: 59 },
    });
  });

  it('names the field and the numbers when the data cannot serve the spec', () => {
    expect(specError(() => create({ shots: 25, queryShots: 15 })).message).toBe(
      'tasks.shots: 25 shots + 15 query shots need 40 examples per class, but omniglot characters have 20',
    );
    const held = specError(() => create({ ways: 30 }));
    expect(held.field).toBe('tasks.ways');
    expect(held.reason).toMatch(
      /30 ways need 30 held-out classes, but the test split has 26 \(26 characters of Latin\)/,
    );
    expect(create({ ways: 30, rotations: true }).outputSize).toBe(30);
    expect(specError(() => create({ ways: 500, rotations: true })).reason).toMatch(
      /500 ways need 500 training classes, but the training split has 440/,
    );
    const alphabet = specError(() =>
      create({ split: { by: 'alphabet', testFraction: 0.2, testAlphabets: ['Latin', 'Sanskrit'] } }),
    );
    expect(alphabet.field).toBe('tasks.split.testAlphabets[1]');
    const missing = specError(() => create({ path: ['images_background_small1.zip', 'nope.zip'] }));
    expect(missing.message).toBe(`tasks.path[1]: file not found: ${join(dataDir, 'nope.zip')}`);
    expect(specError(() => create({ testPath: 'gone.zip' })).field).toBe('tasks.testPath');
  });
});
