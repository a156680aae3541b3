import { applyRound, type MetaState, planRoundBlocks, type RoundSummary } from '@metatrain/core';
import { type ComputeContext, computeShard } from './compute-shard';

/**
 * One round in this process, synchronously: the same blocks, reduced in the same order, as the
 * job loop's rounds. For the maths' own tests and benchmarks; jobs run through
 * @metatrain/job-loop.
 */
export function runRoundInProcess(ctx: ComputeContext, state: MetaState): { state: MetaState; summary: RoundSummary } {
  return applyRound(ctx.spec, state, computeShard(ctx, state.params, state.version, planRoundBlocks(ctx.spec)));
}
