import { type BlockPlan, type EvalSummary, type EvalTaskMetrics, type ParamSet, planEvalBlocks, summarizeEval, TRAINING_EVAL_STREAM } from '@metatrain/core';
import type { ComputeContext } from '../compute/compute-shard';
import { adaptationFor } from './adaptation-for';
import { evaluateHeldOutTasks } from './held-out';

/** One evaluation block's per-task results. */
export interface EvalBlockResult {
  /** The block's index in the evaluation. */
  block: number;
  /** per held-out task of the block, in task order */
  metrics: EvalTaskMetrics[];
}

/**
 * What an evaluation shard computes: the held-out tasks of each of `blocks`, adapted from
 * `params`, block by block (each exactly as if alone, so the metrics do not depend on the
 * grouping), in the order given.
 */
export function computeEvalShard(ctx: ComputeContext, params: ParamSet, blocks: readonly BlockPlan[]): EvalBlockResult[] {
  const adaptation = adaptationFor(ctx);
  return blocks.map((block) => {
    const results = evaluateHeldOutTasks({ model: ctx.model, family: ctx.family, params, adaptation, seed: ctx.spec.seed, stream: TRAINING_EVAL_STREAM }, block);
    const metrics = results.map((r) => ({
      task: r.task,
      preLoss: r.preLoss,
      postLoss: r.postLoss,
      ...(r.preAccuracy !== undefined ? { preAccuracy: r.preAccuracy } : {}),
      ...(r.postAccuracy !== undefined ? { postAccuracy: r.postAccuracy } : {}),
    }));
    return { block: block.index, metrics };
  });
}

/** The whole evaluation of `params` in this process. */
export function evaluatePeriodic(ctx: ComputeContext, params: ParamSet): EvalSummary {
  return summarizeEval(computeEvalShard(ctx, params, planEvalBlocks(ctx.spec)).flatMap((b) => b.metrics));
}
