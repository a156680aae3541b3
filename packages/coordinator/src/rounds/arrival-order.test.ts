import { stackBlockSums } from '@metatrain/contract';
import { applyRound, type BlockPlan, createTaskFamily, groupBlocks, initialState, type MetaState, paramsEqual, planRoundBlocks, reduceBlocks, type RoundSummary, validateSpec } from '@metatrain/core';
import { backendName, type BlockResult, computeShard, createComputeContext, runRoundInProcess, selectBackend } from '@metatrain/metalearn';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ShardReport } from './shard-report';
import { ShardTracker } from './shard-tracker';

// θ_{r+1} is a pure function of (spec, r), whoever computed which blocks in which shards, in
// whatever order the reports arrived, with whatever duplicates in between (docs/ARCHITECTURE.md,
// the invariant).
const spec = validateSpec({
  name: 'arrival-order',
  algorithm: 'maml',
  model: { kind: 'mlp', hidden: [16, 16] },
  tasks: { family: 'sinusoid', shots: 5, queryShots: 5 },
  inner: { steps: 1, lr: 0.01 },
  outer: { optimizer: 'adam', lr: 0.003, metaBatchSize: 8, iterations: 50 },
  blockSize: 2,
  seed: 11,
});

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('a round collected by ShardTracker', () => {
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
  const blocks = planRoundBlocks(spec);
  let state: MetaState;
  let reference: { state: MetaState; summary: RoundSummary };

  beforeAll(async () => {
    // Whichever backend this machine picks: bit-exactness is claimed within one backend.
    await selectBackend({ log: () => undefined });
    state = initialState(ctx);
    reference = runRoundInProcess(ctx, state);
  });

  /** A worker's report of the shard `shard` (consecutive blocks), computed as a worker computes it. */
  const reportOf = (shard: readonly BlockPlan[], workerId: string, results = computeShard(ctx, state.params, 0, shard)): ShardReport => ({
    kind: 'train',
    version: 0,
    firstBlock: shard[0]!.index,
    blockCount: shard.length,
    sum: stackBlockSums(results.map((r) => r.sum)),
    metrics: results.flatMap((r) => r.metrics),
    workerId,
    backend: backendName(),
    computeMs: 1,
  });

  it('has block sums whose float32 reduction depends on the order (so the tests below can fail)', () => {
    expect(blocks).toHaveLength(4);
    const results: BlockResult[] = computeShard(ctx, state.params, 0, blocks);
    const sorted = reduceBlocks(results.map((r) => r.sum), 8);
    const reversed = reduceBlocks([...results].reverse().map((r) => r.sum), 8);
    expect(paramsEqual(sorted, reversed)).toBe(false);
  });

  it('gives the in-process bits in every arrival order, duplicates ignored', () => {
    const shards = groupBlocks([0, 1, 2, 3], 1).map((r) => blocks.slice(r.first, r.first + r.count));
    const orders = permutations(shards);
    expect(orders).toHaveLength(24);
    for (const order of orders) {
      const tracker = new ShardTracker({ kind: 'train', version: 0, layout: ctx.layout, blocks });
      order.forEach((shard, k) => {
        expect(tracker.accept(reportOf(shard, `worker-${k}`))).toBe('ACCEPTED');
        // A late duplicate with other bits (another backend, say) must not replace the first.
        const earlier = reportOf(order[0]!, 'late');
        expect(tracker.accept({ ...earlier, sum: earlier.sum.map((p) => ({ ...p, values: p.values.map((v) => v * 2) })) })).toBe('DUPLICATE');
      });
      const next = applyRound(spec, state, tracker.complete());
      expect(paramsEqual(next.state.params, reference.state.params)).toBe(true);
      expect(paramsEqual(next.state.optimizer.slots, reference.state.optimizer.slots)).toBe(true);
      expect(next.summary).toEqual(reference.summary);
    }
  });

  it('gives the in-process bits whatever the grouping into shards, overlapping groupings mixed', () => {
    for (const groupings of [[4], [2], [3], [1, 4], [3, 2], [4, 1]]) {
      const tracker = new ShardTracker({ kind: 'train', version: 0, layout: ctx.layout, blocks });
      // Shards of each grouping in turn, last shard first: a successor coordinator's plan overlapping the first one's.
      for (const blocksPerShard of groupings) {
        for (const range of groupBlocks([0, 1, 2, 3], blocksPerShard).reverse()) {
          if (tracker.isComplete()) break;
          tracker.accept(reportOf(blocks.slice(range.first, range.first + range.count), `w${blocksPerShard}`));
        }
      }
      const next = applyRound(spec, state, tracker.complete());
      expect(paramsEqual(next.state.params, reference.state.params), `groupings ${groupings.join(', ')}`).toBe(true);
      expect(next.summary).toEqual(reference.summary);
    }
  });
});
