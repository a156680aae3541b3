import { describe, expect, it } from 'vitest';
import type { ParamSet } from '../params';
import { blocksInRange, groupBlocks } from './block-range';
import { defaultBlockSize, planBlocks } from './plan-blocks';
import { reduceBlocks } from './reduce-blocks';

describe('planBlocks', () => {
  it('splits tasks into blocks of blockSize, the last one shorter, in task order', () => {
    expect(planBlocks(7, 3)).toEqual([
      { index: 0, start: 0, end: 3 },
      { index: 1, start: 3, end: 6 },
      { index: 2, start: 6, end: 7 },
    ]);
    expect(planBlocks(50, 2)).toHaveLength(25);
    expect(planBlocks(4, 4)).toEqual([{ index: 0, start: 0, end: 4 }]);
    expect(planBlocks(3, 8)).toEqual([{ index: 0, start: 0, end: 3 }]);
    expect(planBlocks(0, 2)).toEqual([]);
  });

  it('refuses a block size that is not a positive integer', () => {
    expect(() => planBlocks(4, 0)).toThrow('blockSize must be a positive integer, got 0');
    expect(() => planBlocks(4, 1.5)).toThrow('got 1.5');
  });

  it('has at most 8 blocks per round by default', () => {
    for (let m = 1; m <= 200; m++) {
      const blocks = planBlocks(m, defaultBlockSize(m));
      expect(blocks.length).toBeLessThanOrEqual(8);
      expect(blocks.at(-1)?.end).toBe(m);
    }
    expect(planBlocks(25, defaultBlockSize(25)).map((b) => b.end - b.start)).toEqual([4, 4, 4, 4, 4, 4, 1]);
  });
});

describe('groupBlocks', () => {
  it('cuts the blocks into shards of at most blocksPerShard, from the start', () => {
    const all = [...Array(25).keys()];
    expect(groupBlocks(all, 25)).toEqual([{ first: 0, count: 25 }]);
    expect(groupBlocks(all, 100)).toEqual([{ first: 0, count: 25 }]);
    expect(groupBlocks(all, 5).map((r) => r.first)).toEqual([0, 5, 10, 15, 20]);
    expect(groupBlocks(all, 1)).toHaveLength(25);
    expect(groupBlocks(all, 7)).toEqual([
      { first: 0, count: 7 },
      { first: 7, count: 7 },
      { first: 14, count: 7 },
      { first: 21, count: 4 },
    ]);
  });

  it('never joins blocks across a gap (the missing blocks of a collection)', () => {
    expect(groupBlocks([0, 1, 2, 5, 6, 9], 2)).toEqual([
      { first: 0, count: 2 },
      { first: 2, count: 1 },
      { first: 5, count: 2 },
      { first: 9, count: 1 },
    ]);
    expect(groupBlocks([], 3)).toEqual([]);
  });

  it('refuses indices out of order and a size below one', () => {
    expect(() => groupBlocks([2, 1], 3)).toThrow('block indices must be ascending integers, got 1 after 2');
    expect(() => groupBlocks([1, 1], 3)).toThrow('got 1 after 1');
    expect(() => groupBlocks([0], 0)).toThrow('blocksPerShard must be a positive integer, got 0');
  });
});

describe('blocksInRange', () => {
  const blocks = planBlocks(10, 3); // 0-2, 3-5, 6-8, 9

  it('gives the blocks a range names', () => {
    expect(blocksInRange(blocks, { first: 1, count: 2 })).toEqual([blocks[1], blocks[2]]);
    expect(blocksInRange(blocks, { first: 0, count: 4 })).toEqual(blocks);
  });

  it.each([
    [{ first: 3, count: 2 }, 'first_block, block_count: blocks 3..4 are outside the 4 blocks (0..3)'],
    [{ first: 4, count: 1 }, 'first_block, block_count: blocks 4..4 are outside the 4 blocks (0..3)'],
    [{ first: -1, count: 1 }, 'first_block: -1 is not a block index'],
    [{ first: 0.5, count: 1 }, 'first_block: 0.5 is not a block index'],
    [{ first: 0, count: 0 }, 'block_count: 0; a shard has at least one block'],
  ])('says why %o names none, in the wire field names', (range, problem) => {
    expect(blocksInRange(blocks, range)).toEqual({ problem });
  });
});

describe('reduceBlocks', () => {
  const sum = (...values: number[]): ParamSet => [{ name: 'w', shape: [values.length], values: Float32Array.from(values) }];

  it('adds the block sums in block order in float32, then divides by the task count', () => {
    // 1e8 + 1 - 1e8 in float32: the order decides whether the 1 survives.
    const blocks = [sum(1e8), sum(1), sum(-1e8)];
    expect(reduceBlocks(blocks, 1)[0]?.values[0]).toBe(0);
    expect(reduceBlocks([blocks[0]!, blocks[2]!, blocks[1]!], 1)[0]?.values[0]).toBe(1);
    expect(reduceBlocks([sum(2, 4), sum(6, 8)], 4)[0]?.values).toEqual(Float32Array.from([2, 3]));
  });

  it('leaves the block sums untouched and refuses a layout mismatch', () => {
    const first = sum(1, 2);
    reduceBlocks([first, sum(3, 4)], 2);
    expect(first[0]?.values).toEqual(Float32Array.from([1, 2]));
    expect(() => reduceBlocks([sum(1, 2), sum(1)], 2)).toThrow('block layout mismatch at w');
    expect(() => reduceBlocks([], 2)).toThrow('at least one block');
  });
});
