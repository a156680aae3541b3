import { applyRound, createTaskFamily, initialState, type MetaState, paramsEqual, planShards, reduceShards, type RoundSummary, validateSpec } from '@metatrain/core';
import { backendName, computeShard, createComputeContext, runRoundInProcess, selectBackend, type ShardResult } from '@metatrain/metalearn';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShardTracker } from './shard-tracker';

// θ_{r+1} is a pure function of (spec, r), whoever computed which shard, in whatever order the
// reports arrived, with whatever duplicates in between (docs/ARCHITECTURE.md, the invariant).
const spec = validateSpec({
  name: 'arrival-order',
  algorithm: 'maml',
  model: { kind: 'mlp', hidden: [16, 16] },
  tasks: { family: 'sinusoid', shots: 5, queryShots: 5 },
  inner: { steps: 1, lr: 0.01 },
  outer: { optimizer: 'adam', lr: 0.003, metaBatchSize: 8, iterations: 50 },
  shardSize: 2,
  seed: 11,
});

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('a round collected by ShardTracker', () => {
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
  const plan = planShards(spec.outer.metaBatchSize, spec.shardSize);
  let state: MetaState;
  let results: ShardResult[];
  let reference: { state: MetaState; summary: RoundSummary };

  beforeAll(async () => {
    // Whichever backend this machine picks: bit-exactness is claimed within one backend.
    await selectBackend({ log: () => undefined });
    state = initialState(ctx);
    results = plan.map((s) => computeShard(ctx, state.params, state.version, s));
    reference = runRoundInProcess(ctx, state);
  });

  const reportOf = (r: ShardResult, workerId: string) => ({
    kind: 'train' as const,
    version: r.round,
    shard: r.shard,
    sum: r.sum,
    metrics: r.metrics,
    workerId,
    backend: backendName(),
  });

  it('has shard sums whose float32 reduction depends on the order (so the test below can fail)', () => {
    expect(plan).toHaveLength(4);
    const sorted = reduceShards(results.map((r) => r.sum), 8);
    const reversed = reduceShards([...results].reverse().map((r) => r.sum), 8);
    expect(paramsEqual(sorted, reversed)).toBe(false);
  });

  it('gives the in-process bits in every arrival order, duplicates ignored', () => {
    const orders = permutations(results);
    expect(orders).toHaveLength(24);
    for (const order of orders) {
      const tracker = new ShardTracker({ kind: 'train', version: 0, layout: ctx.layout, shards: plan });
      order.forEach((result, k) => {
        expect(tracker.accept(reportOf(result, `worker-${k}`))).toBe('ACCEPTED');
        // A late duplicate with other bits (another backend, say) must not replace the first.
        const earlier = order[0] as ShardResult;
        const other = earlier.sum.map((p) => ({ ...p, values: p.values.map((v) => v * 2) }));
        expect(tracker.accept({ ...reportOf(earlier, 'late'), sum: other })).toBe('DUPLICATE');
      });
      const next = applyRound(spec, state, tracker.complete());
      expect(paramsEqual(next.state.params, reference.state.params)).toBe(true);
      expect(paramsEqual(next.state.optimizer.slots, reference.state.optimizer.slots)).toBe(true);
      expect(next.summary).toEqual(reference.summary);
    }
  });
});
