import { describe, expect, it } from 'vitest';
import { specRefusals } from '../testing/catch-spec-error';
import { datasetsOf } from '../datasets/spec-datasets';
import { validateSpec } from './parse-spec';

function spec(tasks: Record<string, unknown>) {
  return {
    name: 'named-data',
    algorithm: 'protonet',
    model: { kind: 'conv4', channels: 8 },
    tasks: { family: 'omniglot', shots: 1, queryShots: 5, ...tasks },
    outer: { lr: 0.001, metaBatchSize: 2, iterations: 2 },
  };
}

/** The messages of the SpecErrors `validateSpec` throws for `tasks`. */
const refusals = (tasks: Record<string, unknown>): string[] => specRefusals(spec(tasks));

describe('tasks.dataset and tasks.testDataset', () => {
  it('name catalog datasets instead of paths, and stay names in the validated spec', () => {
    const tasks = validateSpec(spec({ dataset: 'omniglot-small1', testDataset: 'omniglot-small2' })).tasks;
    expect(tasks).toMatchObject({ family: 'omniglot', dataset: 'omniglot-small1', testDataset: 'omniglot-small2' });
    expect(tasks).not.toHaveProperty('path');
    expect(datasetsOf(tasks)).toEqual(['omniglot-small1', 'omniglot-small2']);
    expect(datasetsOf(validateSpec(spec({ dataset: 'omniglot-small1', testDataset: 'omniglot-small1' })).tasks)).toEqual(['omniglot-small1']);
    expect(datasetsOf(validateSpec(spec({ path: 'a.zip', testDataset: 'omniglot-evaluation' })).tasks)).toEqual(['omniglot-evaluation']);
    expect(datasetsOf(validateSpec(spec({ path: 'a.zip', testPath: 'b.zip' })).tasks)).toEqual([]);
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(refusals({ dataset: 'omniglot-full' })).toEqual([
      'tasks.dataset: unknown omniglot dataset "omniglot-full"; known: omniglot-small1, omniglot-small2, omniglot-background, omniglot-evaluation (metatrain data list)',
    ]);
    expect(refusals({ path: 'a.zip', testDataset: 'mnist' })[0]).toMatch(/^tasks\.testDataset: unknown omniglot dataset "mnist"; known: omniglot-small1, /);
    expect(refusals({ dataset: 3 })).toEqual(['tasks.dataset: Invalid input: expected string, received number']);
  });

  it('needs exactly one of path and dataset, and at most one of testPath and testDataset', () => {
    expect(refusals({})).toEqual(['tasks.path: required: the Omniglot zip(s), or a catalog dataset in tasks.dataset']);
    expect(refusals({ path: 'a.zip', dataset: 'omniglot-small1' })).toEqual(['tasks.dataset: give tasks.path or tasks.dataset, not both']);
    expect(refusals({ dataset: 'omniglot-small1', testPath: 'b.zip', testDataset: 'omniglot-small2' })).toEqual([
      'tasks.testDataset: give tasks.testPath or tasks.testDataset, not both',
    ]);
  });

  it('belong to omniglot: other families refuse them as unknown keys', () => {
    const csv = { ...spec({}), model: { kind: 'mlp' }, algorithm: 'maml', tasks: { family: 'csv', dataset: 'omniglot-small1', taskColumn: 'a', target: 'b', shots: 1 } };
    expect(() => validateSpec(csv)).toThrow(/tasks\.path: Invalid input: expected string, received undefined\ntasks\.dataset: unknown key/);
  });
});
