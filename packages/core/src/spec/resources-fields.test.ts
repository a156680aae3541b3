import { describe, expect, it } from 'vitest';
import { specRefusals } from '../testing/catch-spec-error';
import { validateSpec } from './parse-spec';

const spec = (resources?: unknown) => ({
  name: 'pools',
  algorithm: 'maml',
  model: { kind: 'mlp', hidden: [8] },
  tasks: { family: 'sinusoid', shots: 5 },
  outer: { lr: 0.001, metaBatchSize: 8, iterations: 10 },
  ...(resources === undefined ? {} : { resources }),
});

/** The messages of the SpecErrors validating a spec of `resources` throws. */
const refusals = (resources: unknown): string[] => specRefusals(spec(resources));

describe('resources', () => {
  it('defaults to the default pool and no backend', () => {
    expect(validateSpec(spec()).resources).toEqual({ pool: 'default' });
    expect(validateSpec(spec({ backend: 'wasm' })).resources).toEqual({ pool: 'default', backend: 'wasm' });
    expect(validateSpec(spec({ pool: 'gpu-a100', backend: 'tensorflow' })).resources).toEqual({ pool: 'gpu-a100', backend: 'tensorflow' });
  });

  it.each([
    [{ pool: 'GPU' }, 'resources.pool: expected a pool name: 1-32 lowercase letters, digits and dashes, not starting or ending with a dash, got "GPU"'],
    [{ pool: 'a.b' }, 'resources.pool: expected a pool name: 1-32 lowercase letters, digits and dashes, not starting or ending with a dash, got "a.b"'],
    [{ pool: '-gpu' }, 'resources.pool: expected a pool name: 1-32 lowercase letters, digits and dashes, not starting or ending with a dash, got "-gpu"'],
    [{ pool: 'x'.repeat(33) }, `resources.pool: expected a pool name: 1-32 lowercase letters, digits and dashes, not starting or ending with a dash, got "${'x'.repeat(33)}"`],
    [{ backend: 'gpu' }, 'resources.backend: expected one of tensorflow, wasm, cpu, got "gpu"'],
  ])('refuses %j, naming the field', (resources, message) => {
    expect(refusals(resources)).toEqual([message]);
  });

  it('refuses an unknown field of resources', () => {
    expect(refusals({ gpus: 2 })).toEqual(['resources.gpus: unknown key']);
  });
});
