import { beforeAll, describe, expect, it } from 'vitest';
import { applyRound, createSinusoidFamily, initialState, type JobSpec, paramsEqual, planRoundBlocks, reduceBlocks } from '@metatrain/core';
import { testSpec } from '@metatrain/core/testing';
import { useTestBackend } from '../testing/tf-setup';
import { type BlockResult, computeShard, createComputeContext } from './compute-shard';

beforeAll(() => useTestBackend());

// 10 tasks in blocks of 3: tasks 0-2, 3-5, 6-8 and 9.
const spec: JobSpec = testSpec({ outer: { lr: 0.003, metaBatchSize: 10, iterations: 5 }, blockSize: 3, seed: 17 });
const ctx = createComputeContext(spec, createSinusoidFamily(spec.tasks as never));
const state = initialState(ctx);
const blocks = planRoundBlocks(spec);

function expectSameBlocks(actual: BlockResult[], expected: BlockResult[]): void {
  expect(actual.map((b) => b.block)).toEqual(expected.map((b) => b.block));
  actual.forEach((b, i) => {
    expect(paramsEqual(b.sum, expected[i]!.sum), `block ${b.block}`).toBe(true);
    expect(b.metrics).toEqual(expected[i]!.metrics);
  });
}

describe('computeShard', () => {
  it('gives each block of a shard the bits of that block computed alone', () => {
    const alone = blocks.map((block) => computeShard(ctx, state.params, 3, [block])[0]!);
    expect(alone.map((b) => b.metrics.map((m) => m.task))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expectSameBlocks(computeShard(ctx, state.params, 3, blocks), alone);
    expectSameBlocks(computeShard(ctx, state.params, 3, blocks.slice(1, 3)), alone.slice(1, 3));
  });

  it('makes the grouping of blocks into shards irrelevant to the round', () => {
    const oneShard = computeShard(ctx, state.params, 0, blocks);
    const inPairs = [...computeShard(ctx, state.params, 0, blocks.slice(0, 2)), ...computeShard(ctx, state.params, 0, blocks.slice(2))];
    const next = (results: BlockResult[]) => applyRound(spec, state, results).state;
    expect(paramsEqual(next(oneShard).params, next(inPairs).params)).toBe(true);
  });

  it('has block sums that the block size does change (so the tests above can fail)', () => {
    // The same ten tasks as one block: one batched computation rounds differently.
    const whole = computeShard(ctx, state.params, 0, [{ index: 0, start: 0, end: 10 }])[0]!;
    const byBlocks = reduceBlocks(computeShard(ctx, state.params, 0, blocks).map((b) => b.sum), 1);
    expect(paramsEqual(whole.sum, byBlocks)).toBe(false);
  });
});

describe('computeShard with local steps', () => {
  const localSpec = (outer: Record<string, unknown>) => testSpec({ outer: { lr: 0.003, metaBatchSize: 10, iterations: 5, ...outer }, blockSize: 3, seed: 17 });
  const contextOf = (s: JobSpec) => createComputeContext(s, createSinusoidFamily(s.tasks as never));

  it('keeps blocks independent of their shard, so the grouping stays irrelevant', () => {
    const s = localSpec({ localSteps: 3 });
    const local = contextOf(s);
    const start = initialState(local);
    const alone = blocks.map((block) => computeShard(local, start.params, 2, [block])[0]!);
    expectSameBlocks(computeShard(local, start.params, 2, blocks), alone);
    expect(start.optimizer.kind).toBe('nesterov');
    expect(applyRound(s, start, alone).state.optimizer.step).toBe(1);
  });

  it('with one local SGD step and a sync SGD step of lr 1 is the usual SGD round, up to float32 rounding', () => {
    const usual = testSpec({ outer: { optimizer: 'sgd', lr: 0.003, metaBatchSize: 10, iterations: 5 }, blockSize: 3, seed: 17 });
    const local = localSpec({ optimizer: 'sgd', localSteps: 1, sync: { optimizer: 'sgd', lr: 1 } });
    const next = (s: JobSpec) => {
      const c = contextOf(s);
      const start = initialState(c);
      return applyRound(s, start, computeShard(c, start.params, 0, blocks)).state.params;
    };
    const [a, b] = [next(usual), next(local)];
    a.forEach((p, i) => p.values.forEach((v, k) => expect(b[i]!.values[k]).toBeCloseTo(v, 6)));
  });

  it('takes every local step: more steps move the parameters further, on tasks of their own', () => {
    const change = (localSteps: number) => {
      const c = contextOf(localSpec({ optimizer: 'sgd', localSteps }));
      const sum = computeShard(c, initialState(c).params, 0, [blocks[0]!])[0]!.sum;
      return Math.hypot(...sum.flatMap((p) => [...p.values]));
    };
    const [one, four] = [change(1), change(4)];
    expect(four).toBeGreaterThan(2 * one);
  });
});

describe('computeShard with derivative-order annealing (inner.firstOrderRounds)', () => {
  it('computes the first-order gradient in the first rounds and the second-order one after, bit for bit', () => {
    const withSpec = (inner: Record<string, unknown>) => {
      const s = testSpec({ inner: { steps: 1, lr: 0.01, ...inner }, outer: { lr: 0.003, metaBatchSize: 10, iterations: 5 }, blockSize: 3, seed: 17 });
      const c = createComputeContext(s, createSinusoidFamily(s.tasks as never));
      return (round: number) => computeShard(c, initialState(c).params, round, [blocks[0]!])[0]!.sum;
    };
    const annealed = withSpec({ firstOrderRounds: 2 });
    const [first, second] = [withSpec({ firstOrder: true }), withSpec({})];
    expect(paramsEqual(annealed(1), first(1))).toBe(true);
    expect(paramsEqual(annealed(2), second(2))).toBe(true);
    expect(paramsEqual(first(2), second(2))).toBe(false);
  });
});

describe('computeShard with the multi-step loss (inner.multiStepLossRounds)', () => {
  // The query loss after step 1 of two is the query loss of a one-step inner loop (the same
  // tasks, the same first step), so the multi-step gradient is the weighed sum of the gradients
  // of one and of two steps, up to float32 rounding; in round 0 the weights are ½ and ½.
  const sumOf = (algorithm: string, inner: Record<string, unknown>) => {
    const s = testSpec({ algorithm: algorithm as never, inner: { lr: 0.01, ...inner }, outer: { lr: 0.003, metaBatchSize: 10, iterations: 5 }, blockSize: 3, seed: 17 });
    const c = createComputeContext(s, createSinusoidFamily(s.tasks as never));
    return computeShard(c, initialState(c).params, 0, [blocks[0]!])[0]!.sum;
  };
  it.each(['maml', 'fomaml'])('is for %s the weighed sum of each step’s query-loss gradient', (algorithm) => {
    const multi = sumOf(algorithm, { steps: 2, multiStepLossRounds: 10 });
    const [one, two] = [sumOf(algorithm, { steps: 1 }), sumOf(algorithm, { steps: 2 })];
    expect(paramsEqual(multi, two)).toBe(false);
    multi.forEach((p, i) => p.values.forEach((v, k) => expect(v).toBeCloseTo(0.5 * one[i]!.values[k]! + 0.5 * two[i]!.values[k]!, 5)));
  });
});
