import { describe, expect, it } from 'vitest';
import { validateSpec } from '../spec/parse-spec';
import { dataReferences, withDataPaths } from './data-references';

const spec = (tasks: Record<string, unknown>) =>
  validateSpec({ name: 'refs', algorithm: 'maml', model: tasks.family === 'omniglot' || tasks.family === 'image-folder' ? { kind: 'conv4', channels: 8 } : { kind: 'mlp', hidden: [4] }, tasks, outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 } });

describe('dataReferences', () => {
  it('lists every data path of a spec with the field that names it', () => {
    const omniglot = spec({ family: 'omniglot', path: ['a.zip', 'b.zip'], testPath: 'c.zip', ways: 2, shots: 1 }).tasks;
    expect(dataReferences(omniglot)).toEqual([
      { field: 'tasks.path[0]', path: 'a.zip' },
      { field: 'tasks.path[1]', path: 'b.zip' },
      { field: 'tasks.testPath', path: 'c.zip' },
    ]);
    expect(dataReferences(spec({ family: 'csv', path: 't.csv', taskColumn: 'g', target: 'y', shots: 1 }).tasks)).toEqual([{ field: 'tasks.path', path: 't.csv' }]);
    expect(dataReferences(spec({ family: 'sinusoid', shots: 5 }).tasks)).toEqual([]);
    const images = spec({ family: 'image-folder', path: 'photos', testPath: 'held-out.zip', ways: 2, shots: 1 }).tasks;
    expect(dataReferences(images)).toEqual([
      { field: 'tasks.path', path: 'photos' },
      { field: 'tasks.testPath', path: 'held-out.zip' },
    ]);
  });

  it('replaces them, keeping the shape of each field and leaving the spec as it was', () => {
    const tasks = spec({ family: 'omniglot', path: ['a.zip', 'b.zip'], testPath: 'c.zip', ways: 2, shots: 1 }).tasks;
    const replaced = withDataPaths(tasks, ({ field, path }) => `${field}=${path}`);
    expect(replaced).toMatchObject({ path: ['tasks.path[0]=a.zip', 'tasks.path[1]=b.zip'], testPath: 'tasks.testPath=c.zip' });
    expect(tasks).toMatchObject({ path: ['a.zip', 'b.zip'], testPath: 'c.zip' });
    const images = spec({ family: 'image-folder', path: 'photos', ways: 2, shots: 1 }).tasks;
    expect(withDataPaths(images, ({ path }) => `sha256:${path}`)).toMatchObject({ path: 'sha256:photos' });
    expect(withDataPaths(images, ({ path }) => path)).not.toHaveProperty('testPath');
  });
});
