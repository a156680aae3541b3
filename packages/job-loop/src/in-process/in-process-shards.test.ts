import { createSinusoidFamily, initialState, paramsEqual, planEvalBlocks, planRoundBlocks } from '@metatrain/core';
import { testSpec } from '@metatrain/core/testing';
import { computeEvalShard, computeShard, createComputeContext } from '@metatrain/metalearn';
import { useTestBackend } from '@metatrain/metalearn/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { IN_PROCESS_WORKER, InProcessShards } from './in-process-shards';

beforeAll(() => useTestBackend());

// 9 tasks in blocks of 2 (0-1, 2-3, 4-5, 6-7, 8); 5 evaluation tasks in blocks of 2.
const spec = testSpec({ outer: { lr: 0.01, metaBatchSize: 9, iterations: 3 }, blockSize: 2, eval: { everyRounds: 1, tasks: 5 }, seed: 5 });
const ctx = createComputeContext(spec, createSinusoidFamily(spec.tasks as never));
const params = initialState(ctx).params;
const signal = new AbortController().signal;

describe('InProcessShards', () => {
  it('gives every block the bits of a run that grouped the blocks into other shards', async () => {
    const blocks = planRoundBlocks(spec);
    const collected = await new InProcessShards(ctx, 'wasm').collect({ kind: 'train', version: 2, params, blocks }, signal);
    expect(collected?.blocks.map((b) => b.block)).toEqual([0, 1, 2, 3, 4]);
    expect(collected?.workers).toEqual([IN_PROCESS_WORKER]);
    expect(collected?.backends).toEqual(['wasm']);
    // Workers' shards: all blocks in one, and in shards of 3 and 2 blocks.
    for (const grouping of [[blocks], [blocks.slice(0, 3), blocks.slice(3)]]) {
      const results = grouping.flatMap((shard) => computeShard(ctx, params, 2, shard));
      results.forEach((r, i) => {
        const held = collected?.blocks[i];
        expect(held?.block).toBe(r.block);
        expect(paramsEqual(held?.sum ?? [], r.sum)).toBe(true);
        expect(held?.metrics).toEqual(r.metrics);
      });
    }
  });

  it('evaluates block by block with the metrics of any grouping', async () => {
    const blocks = planEvalBlocks(spec);
    const collected = await new InProcessShards(ctx, 'wasm').collect({ kind: 'eval', version: 0, params, blocks }, signal);
    expect(collected?.blocks.map((b) => [b.block, b.sum, b.metrics.map((m) => m.task)])).toEqual([
      [0, [], [0, 1]],
      [1, [], [2, 3]],
      [2, [], [4]],
    ]);
    expect(collected?.blocks.flatMap((b) => b.metrics)).toEqual(computeEvalShard(ctx, params, blocks).flatMap((b) => b.metrics));
  });

  it('computes nothing once its signal aborted', async () => {
    expect(await new InProcessShards(ctx, 'wasm').collect({ kind: 'train', version: 0, params, blocks: planRoundBlocks(spec) }, AbortSignal.abort())).toBeUndefined();
  });
});
