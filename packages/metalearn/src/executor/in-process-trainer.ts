import { applyRound, initialMetaParams, initialOptimizerState, type MetaState, planShards, type RoundSummary } from '@metatrain/core';
import { type ComputeContext, computeShard } from './compute-context';

/** The state of a job before its first round. */
export function initialState(ctx: ComputeContext): MetaState {
  const params = initialMetaParams(ctx);
  return { round: 0, params, optimizer: initialOptimizerState(ctx.spec.outer.optimizer, params) };
}

/**
 * One round in this process: the same shards, in the same order, reduced the same way as a
 * distributed round, so both give the same bits on the same backend.
 */
export function runRoundInProcess(ctx: ComputeContext, state: MetaState): { state: MetaState; summary: RoundSummary } {
  const shards = planShards(ctx.spec.outer.metaBatchSize, ctx.spec.shardSize).map((shard) => computeShard(ctx, state.params, state.round, shard));
  return applyRound(ctx.spec, state, shards);
}
