import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors';
import { Purpose, Rng } from '../rng/counter-rng';
import { parseSpecText } from '../spec/parse-spec';
import { omniglotDir } from '../testing/omniglot-data';
import { createTaskFamily, describeTaskFamily } from './create-task-family';

const repoRoot = resolve(import.meta.dirname, '../../../..');

function tasksOf(tasks: string) {
  return parseSpecText(`
name: t
algorithm: maml
model: { kind: mlp }
tasks: ${tasks}
outer: { lr: 0.001, metaBatchSize: 4, iterations: 10 }
`).tasks;
}

describe('createTaskFamily', () => {
  it('builds each family from a validated spec, resolving paths against baseDir', () => {
    const sinusoid = createTaskFamily(tasksOf('{ family: sinusoid, shots: 5 }'));
    expect([sinusoid.family, sinusoid.supportSize, sinusoid.querySize]).toEqual(['sinusoid', 5, 10]);

    const omniglot = createTaskFamily(
      tasksOf(
        '{ family: omniglot, path: images_background_small1.zip, shots: 1, rotations: true }',
      ),
      { baseDir: omniglotDir },
    );
    expect([omniglot.family, omniglot.outputSize, omniglot.supportSize, omniglot.querySize]).toEqual([
      'omniglot',
      5,
      5,
      75,
    ]);

    const csv = createTaskFamily(
      tasksOf('{ family: csv, path: data/house-prices.csv, taskColumn: city, target: price, shots: 5 }'),
      { baseDir: resolve(repoRoot, 'examples') },
    );
    expect([csv.family, csv.inputShape, csv.querySize]).toEqual(['csv', [3], 5]);
    expect(csv.sample(Rng.for(0, Purpose.TrainTask, 0, 0), 'train').support.n).toBe(5);
  });

  it('reports a missing file against the spec field', () => {
    const spec = tasksOf('{ family: csv, path: nowhere.csv, taskColumn: city, target: price, shots: 5 }');
    expect(() => createTaskFamily(spec, { baseDir: repoRoot })).toThrow(SpecError);
    expect(() => createTaskFamily(spec, { baseDir: repoRoot })).toThrow(
      `tasks.path: file not found: ${resolve(repoRoot, 'nowhere.csv')}`,
    );
  });
});

describe('describeTaskFamily', () => {
  it('gives meta.json everything adaptation needs, as plain JSON', () => {
    const family = createTaskFamily(
      tasksOf('{ family: csv, path: examples/data/house-prices.csv, taskColumn: city, target: price, shots: 5 }'),
      { baseDir: repoRoot },
    );
    const meta = JSON.parse(JSON.stringify(describeTaskFamily(family)));
    expect(meta).toMatchObject({
      family: 'csv',
      kind: 'regression',
      inputShape: [3],
      outputSize: 1,
      supportSize: 5,
      querySize: 5,
      preprocessing: { features: ['sqm', 'rooms', 'age'], normalize: true },
      source: { path: 'examples/data/house-prices.csv', taskColumn: 'city', target: 'price' },
    });
    expect(meta.preprocessing.featureMean).toHaveLength(3);
    expect(meta.preprocessing.targetStd).toBeGreaterThan(0);
    expect(meta.labels).toBeUndefined();
  });
});
