/**
 * What a collection computes: `train`, the outer-gradient sums of a round's tasks; `eval`, the
 * periodic held-out evaluation of one parameter version (metrics only, never the parameters).
 */
export type ShardKind = 'train' | 'eval';

/** Every {@link ShardKind}. */
export const SHARD_KINDS: readonly ShardKind[] = ['train', 'eval'];

/**
 * A block: a contiguous range of a collection's tasks, computed as one unit (one batched
 * computation when the model allows it) into one sum. Blocks fix the float summation order;
 * shards only group them.
 */
export interface BlockPlan {
  /** Position in the collection's blocks. */
  index: number;
  /** first task index (inclusive) */
  start: number;
  /** last task index (exclusive) */
  end: number;
}

/** At most this many blocks per round when the spec sets no `blockSize`. */
export const DEFAULT_BLOCKS_PER_ROUND = 8;

/** The spec's default `blockSize`: ceil(metaBatchSize / 8), so a round has at most 8 blocks. */
export function defaultBlockSize(metaBatchSize: number): number {
  return Math.ceil(metaBatchSize / DEFAULT_BLOCKS_PER_ROUND);
}

/** Splits `tasks` tasks into ceil(tasks / blockSize) blocks, in task order. */
export function planBlocks(tasks: number, blockSize: number): BlockPlan[] {
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
  const blocks: BlockPlan[] = [];
  for (let start = 0, index = 0; start < tasks; start += blockSize, index++) {
    blocks.push({ index, start, end: Math.min(tasks, start + blockSize) });
  }
  return blocks;
}
