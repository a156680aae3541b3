import { describe, expect, it } from 'vitest';
import { MIN_COMPUTE_TRIPS, SHARD_TRIP_MS, ShardSizer } from './shard-sizer';

/** A sizer that has measured `msPerBlock` (undefined: nothing yet). */
function sizer(msPerBlock?: number): ShardSizer {
  const s = new ShardSizer();
  if (msPerBlock !== undefined) s.observe(msPerBlock * 5, 5);
  return s;
}

/** How many shards of `k` blocks `blocks` blocks make. */
const shardsOf = (blocks: number, k: number) => Math.ceil(blocks / k);

describe('ShardSizer', () => {
  // [what, blocks, slots, measured ms per block, blocks per shard]
  it.each([
    // Nothing measured yet: one shard per slot, as even as fixed-size shards allow.
    ['1 slot takes every block in one shard', 25, 1, undefined, 25],
    ['2 slots: 13 + 12', 25, 2, undefined, 13],
    ['4 slots: 7 + 7 + 7 + 4', 25, 4, undefined, 7],
    ['6 slots: 5-block shards would make only 5, so 4-block ones (7 shards)', 25, 6, undefined, 4],
    ['more slots than blocks: one block each', 5, 8, undefined, 1],
    ['no live worker counts as one slot', 25, 0, undefined, 25],
    ['a single block', 1, 4, undefined, 1],
    // Cheap blocks (0.1 ms: 300 blocks make 10 trips of compute): busy slots first, one shard each.
    ['cheap blocks: one shard per slot', 25, 2, 0.1, 13],
    ['cheap blocks, one slot: one shard', 25, 1, 0.1, 25],
    ['cheap blocks, many slots: still every slot busy', 50, 16, 0.1, 3],
    // Costly blocks (50 ms): 4 shards per slot, the faster workers take more.
    ['costly blocks: 4 shards per slot', 25, 2, 50, 3],
    ['costly blocks, one slot: 4 shards', 24, 1, 50, 6],
    ['costly blocks, fewer than 4 per slot: one block each', 5, 2, 50, 1],
    // In between (2 ms: 15 blocks make 10 trips): the most shards per slot whose shards reach 15 blocks.
    ['2 ms blocks, 2 slots, 120 blocks: 4 per slot', 120, 2, 2, 15],
    ['2 ms blocks, 2 slots, 90 blocks: 3 per slot', 90, 2, 2, 15],
    ['2 ms blocks, 2 slots, 60 blocks: 2 per slot', 60, 2, 2, 15],
    ['2 ms blocks, 2 slots, 40 blocks: 1 per slot', 40, 2, 2, 20],
    ['free blocks (0 ms): one shard per slot', 25, 4, 0, 7],
  ])('%s (%i blocks, %i slots, %s ms per block → %i blocks per shard)', (_what, blocks, slots, msPerBlock, expected) => {
    const k = sizer(msPerBlock).blocksPerShard(blocks, slots);
    expect(k).toBe(expected);
    // Every slot gets a shard when there are blocks enough.
    expect(shardsOf(blocks, k)).toBeGreaterThanOrEqual(Math.min(blocks, Math.max(1, slots)));
    // More than one shard per slot only when each still computes for 10 trips.
    if (msPerBlock !== undefined && shardsOf(blocks, k) > Math.max(1, slots) * 1.5) expect(k * msPerBlock).toBeGreaterThanOrEqual(MIN_COMPUTE_TRIPS * SHARD_TRIP_MS);
  });

  it('averages the measured compute time per block, newer reports weighing more', () => {
    const s = new ShardSizer();
    expect(s.measuredMsPerBlock).toBeUndefined();
    s.observe(100, 10);
    expect(s.measuredMsPerBlock).toBe(10);
    s.observe(20, 1);
    expect(s.measuredMsPerBlock).toBeCloseTo(0.3 * 20 + 0.7 * 10);
    for (let i = 0; i < 30; i++) s.observe(2, 1);
    expect(s.measuredMsPerBlock).toBeCloseTo(2, 3);
  });

  it('ignores measurements that make no sense', () => {
    const s = sizer(4);
    for (const [ms, blocks] of [[NaN, 1], [-1, 1], [Infinity, 2], [5, 0], [5, 1.5]] as const) s.observe(ms, blocks);
    expect(s.measuredMsPerBlock).toBe(4);
  });

  it('refuses a collection without blocks', () => {
    expect(() => sizer().blocksPerShard(0, 2)).toThrow('blocks must be a positive integer, got 0');
  });
});
