import type { IndexedTaskMetrics, ParamSet, ShardKind, ShardPlan } from '@metatrain/core';

/**
 * Shards computed from one parameter version: a training round (kind `train`: round r computes
 * from version r) or a periodic evaluation (kind `eval`).
 */
export interface ShardCollection {
  kind: ShardKind;
  version: number;
  /** θ at `version`. Never mutated: a version's parameters are a pure function of (spec, version). */
  params: ParamSet;
  /** The shards, index i at position i. */
  shards: readonly ShardPlan[];
}

/** One shard's result. */
export interface CollectedShard {
  shard: number;
  /** The shard's summed outer gradient in the job's layout; empty for an evaluation shard. */
  sum: ParamSet;
  /** One entry per task of the shard, in task order. */
  metrics: IndexedTaskMetrics[];
  workerId: string;
  /** Compute backend that produced the result (tensorflow, wasm, cpu). */
  backend: string;
}

/** Every shard of a collection, in shard order (never arrival order). */
export interface CollectedShards {
  shards: CollectedShard[];
  /** Distinct ids of the workers that computed them, sorted. */
  workers: string[];
  /** Distinct backends that computed them, sorted. */
  backends: string[];
}

/**
 * Where a job's shards are computed: in this process (`InProcessShards`, `@metatrain/job-loop/in-process`)
 * or by workers through the queue (the coordinator's `QueueShards`). The job loop only says
 * what to compute; the result must not depend on where, which is what keeps `train` and the
 * distributed run bit for bit equal.
 */
export interface ShardRunner {
  /**
   * Computes every shard of `collection`; resolves with their results in shard order, or with
   * undefined when `signal` aborted first (the partial results are dropped).
   */
  collect(collection: ShardCollection, signal: AbortSignal): Promise<CollectedShards | undefined>;
}
