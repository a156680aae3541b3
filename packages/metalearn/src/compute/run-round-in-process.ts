import { applyRound, type MetaState, planShards, type RoundSummary } from '@metatrain/core';
import { type ComputeContext, computeShard } from './compute-shard';

/**
 * One round in this process, synchronously: the same shards, in the same order, reduced the same
 * way as the job loop's rounds. For the maths' own tests and benchmarks; jobs run through
 * @metatrain/job-loop.
 */
export function runRoundInProcess(ctx: ComputeContext, state: MetaState): { state: MetaState; summary: RoundSummary } {
  const shards = planShards(ctx.spec.outer.metaBatchSize, ctx.spec.shardSize).map((shard) => computeShard(ctx, state.params, state.version, shard));
  return applyRound(ctx.spec, state, shards);
}
