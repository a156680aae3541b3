import { createJobSetup, createTaskFamily, type JobSpecInput, validateSpec } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC_LIMITS, limitProblems, parameterCount } from './spec-limits';

/** The setup of a sinusoid MAML spec with `overrides`; builds no parameters. */
function context(overrides: Partial<JobSpecInput> = {}) {
  const spec = validateSpec({
    name: 'limits',
    algorithm: 'maml',
    model: { kind: 'mlp', hidden: [40, 40] },
    tasks: { family: 'sinusoid', shots: 5, queryShots: 10 },
    outer: { lr: 0.001, metaBatchSize: 25, iterations: 10 },
    ...overrides,
  });
  return createJobSetup(spec, createTaskFamily(spec.tasks));
}

describe('limitProblems', () => {
  it('accepts the published sinusoid job', () => {
    const ctx = context();
    expect(parameterCount(ctx)).toBe(1 * 40 + 40 + 40 * 40 + 40 + 40 * 1 + 1);
    expect(limitProblems(ctx, DEFAULT_SPEC_LIMITS)).toEqual([]);
  });

  it('names the field, the limit and its variable', () => {
    const outer = { lr: 0.001, metaBatchSize: 2000, iterations: 10 };
    expect(limitProblems(context({ outer }), DEFAULT_SPEC_LIMITS)).toEqual([
      "outer.metaBatchSize: 2,000 is above this coordinator's limit of 1,000 (MAX_META_BATCH_SIZE)",
    ]);
    expect(limitProblems(context({ tasks: { family: 'sinusoid', shots: 20_000, queryShots: 10 } }), DEFAULT_SPEC_LIMITS)).toEqual([
      "tasks.shots: 20,010 examples per task (support + query) are above this coordinator's limit of 10,000 (MAX_TASK_EXAMPLES)",
    ]);
  });

  it('counts a model without allocating it, however large (and Meta-SGD twice)', () => {
    const huge = context({ model: { kind: 'mlp', hidden: [1_000_000_000, 1_000_000_000] } });
    expect(parameterCount(huge)).toBeGreaterThan(1e18);
    expect(limitProblems(huge, DEFAULT_SPEC_LIMITS)).toEqual([expect.stringMatching(/^model: [\d,]+ parameters are above this coordinator's limit of 10,000,000 \(MAX_MODEL_PARAMETERS\)$/)]);
    expect(parameterCount(context({ algorithm: 'metasgd' }))).toBe(2 * parameterCount(context()));
  });

  it('bounds the block sums a round holds: many small blocks of a big model are refused, fewer larger ones pass, whatever the shards', () => {
    const big = { model: { kind: 'mlp' as const, hidden: [1000, 1000] }, outer: { lr: 0.001, metaBatchSize: 1000, iterations: 10 } };
    expect(limitProblems(context({ ...big, blockSize: 1 }), DEFAULT_SPEC_LIMITS)).toEqual([
      "blockSize: 1,000 block sums of 1,004,001 parameters take 4,016,004,000 bytes per round, above this coordinator's limit of 1,073,741,824 (MAX_ROUND_BYTES); a larger blockSize means fewer blocks",
    ]);
    expect(limitProblems(context({ ...big, blockSize: 1, shardSize: 1000 }), DEFAULT_SPEC_LIMITS)).toHaveLength(1);
    expect(limitProblems(context({ ...big, blockSize: 10 }), DEFAULT_SPEC_LIMITS)).toEqual([]);
    // The default, at most 8 blocks per round.
    expect(limitProblems(context(big), DEFAULT_SPEC_LIMITS)).toEqual([]);
  });

  it('follows the limits it is given', () => {
    const tight = { ...DEFAULT_SPEC_LIMITS, maxMetaBatchSize: 10, maxModelParameters: 100 };
    expect(limitProblems(context(), tight)).toHaveLength(2);
  });
});
