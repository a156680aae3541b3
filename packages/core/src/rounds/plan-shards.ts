/**
 * What a shard computes: `train`, the outer-gradient sum of tasks of a round; `eval`, the
 * periodic held-out evaluation of one parameter version (metrics only, never the parameters).
 */
export type ShardKind = 'train' | 'eval';

/** Every {@link ShardKind}. */
export const SHARD_KINDS: readonly ShardKind[] = ['train', 'eval'];

/** A contiguous range of a round's tasks, computed and reported as one unit. */
export interface ShardPlan {
  index: number;
  /** first task index (inclusive) */
  start: number;
  /** last task index (exclusive) */
  end: number;
}

/** Splits a meta-batch of M tasks into ceil(M / shardSize) shards, in task order. */
export function planShards(metaBatchSize: number, shardSize: number): ShardPlan[] {
  const shards: ShardPlan[] = [];
  for (let start = 0, index = 0; start < metaBatchSize; start += shardSize, index++) {
    shards.push({ index, start, end: Math.min(metaBatchSize, start + shardSize) });
  }
  return shards;
}
