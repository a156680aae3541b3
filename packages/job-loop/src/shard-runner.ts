import type { BlockPlan, IndexedTaskMetrics, ParamSet, ShardKind } from '@metatrain/core';

/**
 * The blocks computed from one parameter version: a training round (kind `train`: round r
 * computes from version r) or a periodic evaluation (kind `eval`). Blocks fix the bits; how
 * they are grouped into shards is the runner's choice.
 */
export interface BlockCollection {
  kind: ShardKind;
  version: number;
  /** θ at `version`. Never mutated: a version's parameters are a pure function of (spec, version). */
  params: ParamSet;
  /** The blocks, index i at position i. */
  blocks: readonly BlockPlan[];
  /**
   * The collection the loop runs after this one, if any, for a runner that prepares it while
   * this one runs (the coordinator enqueues its shards ahead: workers that take one wait for
   * its parameters).
   */
  next?: UpcomingCollection;
}

/** A collection whose parameters do not exist yet: what it will compute, not from what. */
export type UpcomingCollection = Omit<BlockCollection, 'params' | 'next'>;

/** One block's result. */
export interface CollectedBlock {
  block: number;
  /** The block's summed outer gradient in the job's layout; empty for an evaluation block. */
  sum: ParamSet;
  /** One entry per task of the block, in task order. */
  metrics: IndexedTaskMetrics[];
  workerId: string;
  /** Compute backend that produced the result (tensorflow, wasm, cpu). */
  backend: string;
}

/** Every block of a collection, in block order (never arrival order). */
export interface CollectedBlocks {
  blocks: CollectedBlock[];
  /** Distinct ids of the workers that computed them, sorted. */
  workers: string[];
  /** Distinct backends that computed them, sorted. */
  backends: string[];
}

/**
 * Where a job's blocks are computed: in this process (`InProcessShards`, `@metatrain/job-loop/in-process`)
 * or by workers through the queue, grouped into shards (the coordinator's `QueueShards`). The
 * job loop only says which blocks to compute; the result must not depend on where or in which
 * grouping, which is what keeps `train` and the distributed run bit for bit equal.
 */
export interface ShardRunner {
  /**
   * Computes every block of `collection`; resolves with their results in block order, or with
   * undefined when `signal` aborted first (the partial results are dropped).
   */
  collect(collection: BlockCollection, signal: AbortSignal): Promise<CollectedBlocks | undefined>;
}
