import { describe, expect, it } from 'vitest';
import { specRefusals } from '../testing/catch-spec-error';
import { validateSpec } from './parse-spec';

function spec(fields: Record<string, unknown>, metaBatchSize = 50) {
  return {
    name: 'blocks',
    algorithm: 'maml',
    model: { kind: 'mlp', hidden: [8] },
    tasks: { family: 'sinusoid', shots: 5 },
    outer: { lr: 0.001, metaBatchSize, iterations: 10 },
    ...fields,
  };
}

/** The messages of the SpecErrors `validateSpec` throws. */
const refusals = (fields: Record<string, unknown>, metaBatchSize?: number): string[] => specRefusals(spec(fields, metaBatchSize));

describe('blockSize', () => {
  it.each([
    [50, 7],
    [25, 4],
    [8, 1],
    [9, 2],
    [1, 1],
  ])('defaults to ceil(metaBatchSize / 8): %i tasks in blocks of %i', (metaBatchSize, blockSize) => {
    expect(validateSpec(spec({}, metaBatchSize)).blockSize).toBe(blockSize);
  });

  it('keeps a given size, up to the meta-batch', () => {
    expect(validateSpec(spec({ blockSize: 2 })).blockSize).toBe(2);
    expect(validateSpec(spec({ blockSize: 50 })).blockSize).toBe(50);
  });

  it.each([
    [{ blockSize: 51 }, 'blockSize: must not exceed outer.metaBatchSize (50): a block is part of a round'],
    [{ blockSize: 0 }, 'blockSize: Too small: expected number to be >0'],
    [{ blockSize: 2.5 }, 'blockSize: Invalid input: expected int, received number'],
    [{ blockSize: 'auto' }, 'blockSize: Invalid input: expected number, received string'],
  ])('refuses %o, naming the field', (fields, message) => {
    expect(refusals(fields)).toEqual([message]);
  });
});

describe('shardSize', () => {
  it('is blocks per shard, or auto (the default)', () => {
    expect(validateSpec(spec({})).shardSize).toBe('auto');
    expect(validateSpec(spec({ shardSize: 'auto' })).shardSize).toBe('auto');
    expect(validateSpec(spec({ shardSize: 5 })).shardSize).toBe(5);
    // More blocks per shard than a round has is one shard, not an error.
    expect(validateSpec(spec({ shardSize: 25, blockSize: 10 })).shardSize).toBe(25);
  });

  it.each([0, -1, 1.5, 'big', 10_001, null])('refuses %o, naming the field and what it takes', (shardSize) => {
    expect(refusals({ shardSize })).toEqual(['shardSize: expected a positive integer of blocks per shard (at most 10000) or "auto"']);
  });

  it('validates a validated spec again unchanged', () => {
    const once = validateSpec(spec({ blockSize: 3, shardSize: 4 }));
    expect(validateSpec(once)).toEqual(once);
    const defaults = validateSpec(spec({}));
    expect(validateSpec(defaults)).toEqual(defaults);
  });
});
