import { validateSpec } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { specIo } from './spec-io';

const spec = (algorithm: string, tasks: Record<string, unknown>) =>
  validateSpec({ name: 'x', algorithm, model: { kind: 'mlp', hidden: [8] }, tasks, outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 } });

describe('specIo', () => {
  it('knows the inputs and outputs each task family gives the model', () => {
    expect(specIo(spec('maml', { family: 'sinusoid', shots: 5 }))).toEqual({ kind: 'regression', inputShape: [1], outputs: 1 });
    expect(specIo(spec('maml', { family: 'omniglot', path: 'o.zip', shots: 1, ways: 20, imageSize: 28 }))).toEqual({ kind: 'classification', inputShape: [28, 28, 1], outputs: 20 });
    expect(specIo(spec('protonet', { family: 'omniglot', path: 'o.zip', shots: 1 })).outputs).toBeUndefined();
    expect(specIo(spec('maml', { family: 'image-folder', path: 'pets', shots: 1, ways: 3, imageSize: 32, channels: 3 }))).toEqual({ kind: 'classification', inputShape: [32, 32, 3], outputs: 3 });
    expect(specIo(spec('protonet', { family: 'image-folder', path: 'pets.zip', shots: 1 }))).toEqual({ kind: 'classification', inputShape: [28, 28, 1], outputs: undefined });
    expect(specIo(spec('maml', { family: 'csv', path: 'c.csv', taskColumn: 't', target: 'y', shots: 2, features: ['a', 'b'] }))).toEqual({ kind: 'regression', inputShape: [2], outputs: 1 });
    expect(specIo(spec('maml', { family: 'csv', path: 'c.csv', taskColumn: 't', target: 'y', kind: 'classification', shots: 2 }))).toEqual({ kind: 'classification', inputShape: undefined, outputs: undefined });
  });
});
