/**
 * What one shard's trip costs beyond its compute, assumed: the queue hand-over, the parameter
 * fetch of a new version, the report and its answer. The one place this number lives.
 */
export const SHARD_TRIP_MS = 3;
/** A shard's compute should be at least this many trips, so trips stay a small share of the work. */
export const MIN_COMPUTE_TRIPS = 10;
/** The most shards per compute slot: smaller shards let faster workers take more, but each costs a trip. */
export const MAX_SHARDS_PER_SLOT = 4;
/** Weight of the newest measurement in the moving average of compute time per block. */
const EWMA_WEIGHT = 0.3;

/**
 * Chooses the blocks per shard of `shardSize: auto`, per collection. Pure: the caller tells it
 * the compute slots (live workers' slots) and the workers' measured compute times.
 *
 * The rule (docs/ARCHITECTURE.md §5), for B blocks and S slots:
 * 1. Every slot gets a shard when there are blocks enough: at least min(B, S) shards.
 * 2. Per-block compute time c unknown (the job's first collections): one shard per slot.
 * 3. Known: the most shards per slot, m = 4, 3 or 2, whose shards still compute for at least
 *    MIN_COMPUTE_TRIPS × SHARD_TRIP_MS (k·c ≥ 30 ms); more, smaller shards let the faster of
 *    uneven workers take more (the queue is pull-based). When no m ≥ 2 allows that, one shard
 *    per slot, each as large as rule 1 allows.
 * A shard count n becomes blocks per shard k as evenly as fixed-size shards allow: ceil(B / n)
 * when that still makes n shards, else floor(B / n); 1 when B ≤ n.
 */
export class ShardSizer {
  private msPerBlock: number | undefined;

  constructor(private readonly tripMs = SHARD_TRIP_MS) {}

  /** The moving average of compute milliseconds per block; undefined before the first measurement. */
  get measuredMsPerBlock(): number | undefined {
    return this.msPerBlock;
  }

  /** Takes one accepted report's compute time over its blocks; nonsense (negative, not finite, no blocks) is ignored. */
  observe(computeMs: number, blocks: number): void {
    if (!Number.isFinite(computeMs) || computeMs < 0 || !Number.isSafeInteger(blocks) || blocks < 1) return;
    const sample = computeMs / blocks;
    this.msPerBlock = this.msPerBlock === undefined ? sample : EWMA_WEIGHT * sample + (1 - EWMA_WEIGHT) * this.msPerBlock;
  }

  /** Blocks per shard for a collection of `blocks` blocks with `slots` compute slots (0 counts as 1). */
  blocksPerShard(blocks: number, slots: number): number {
    if (!Number.isSafeInteger(blocks) || blocks < 1) throw new RangeError(`blocks must be a positive integer, got ${blocks}`);
    const s = Math.max(1, Math.floor(Number.isFinite(slots) ? slots : 1));
    const onePerSlot = sizeForShards(blocks, s);
    const c = this.msPerBlock;
    if (c === undefined || c <= 0) return onePerSlot;
    const minBlocks = Math.ceil((MIN_COMPUTE_TRIPS * this.tripMs) / c);
    for (let m = MAX_SHARDS_PER_SLOT; m >= 2; m--) {
      const k = sizeForShards(blocks, s * m);
      if (k >= minBlocks) return k;
    }
    return onePerSlot;
  }
}

/** Blocks per shard for at least `shards` shards of `blocks` blocks (or one block each), as even as fixed-size shards allow. */
function sizeForShards(blocks: number, shards: number): number {
  if (shards >= blocks) return 1;
  const even = Math.ceil(blocks / shards);
  return Math.ceil(blocks / even) >= shards ? even : Math.floor(blocks / shards);
}
