import type { BlockPlan } from './plan-blocks';

/** A shard as the queue and the reports name it: `count` consecutive blocks from block `first`. */
export interface BlockRange {
  first: number;
  count: number;
}

/**
 * Groups block indices (ascending) into shards: each run of consecutive indices is cut into
 * pieces of at most `blocksPerShard` blocks, from its start. The grouping never changes a
 * result (each block is computed alone), only how many queue trips a collection takes.
 */
export function groupBlocks(indices: readonly number[], blocksPerShard: number): BlockRange[] {
  if (!Number.isSafeInteger(blocksPerShard) || blocksPerShard < 1) throw new RangeError(`blocksPerShard must be a positive integer, got ${blocksPerShard}`);
  const shards: BlockRange[] = [];
  let previous = -1;
  for (const index of indices) {
    if (!Number.isSafeInteger(index) || index <= previous) throw new RangeError(`block indices must be ascending integers, got ${index} after ${previous}`);
    const current = shards.at(-1);
    if (current && index === previous + 1 && current.count < blocksPerShard) current.count++;
    else shards.push({ first: index, count: 1 });
    previous = index;
  }
  return shards;
}

/**
 * The blocks `range` names in `blocks` (a collection's plan), or why it names none: a reason
 * in the wire's field names (first_block, block_count), for the coordinator's answer.
 */
export function blocksInRange(blocks: readonly BlockPlan[], range: BlockRange): BlockPlan[] | { problem: string } {
  const { first, count } = range;
  if (!Number.isSafeInteger(first) || first < 0) return { problem: `first_block: ${first} is not a block index` };
  if (!Number.isSafeInteger(count) || count < 1) return { problem: `block_count: ${count}; a shard has at least one block` };
  if (first + count > blocks.length) {
    return { problem: `first_block, block_count: blocks ${first}..${first + count - 1} are outside the ${blocks.length} blocks (0..${blocks.length - 1})` };
  }
  return blocks.slice(first, first + count);
}
