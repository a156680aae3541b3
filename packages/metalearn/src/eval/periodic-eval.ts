import { type EvalSummary, type EvalTaskMetrics, type ParamSet, planEvalShards, summarizeEval, TRAINING_EVAL_STREAM } from '@metatrain/core';
import type { ComputeContext } from '../compute/compute-shard';
import { adaptationFor } from './adaptation-for';
import { evaluateHeldOutTasks, type TaskRange } from './held-out';

/** What one evaluation shard computes: the held-out tasks `range`, adapted from `params`. */
export function computeEvalShard(ctx: ComputeContext, params: ParamSet, range: TaskRange): EvalTaskMetrics[] {
  const results = evaluateHeldOutTasks({ model: ctx.model, family: ctx.family, params, adaptation: adaptationFor(ctx), seed: ctx.spec.seed, stream: TRAINING_EVAL_STREAM }, range);
  return results.map((r) => ({
    task: r.task,
    preLoss: r.preLoss,
    postLoss: r.postLoss,
    ...(r.preAccuracy !== undefined ? { preAccuracy: r.preAccuracy } : {}),
    ...(r.postAccuracy !== undefined ? { postAccuracy: r.postAccuracy } : {}),
  }));
}

/** The whole evaluation of `params` in this process. */
export function evaluatePeriodic(ctx: ComputeContext, params: ParamSet): EvalSummary {
  return summarizeEval(planEvalShards(ctx.spec).flatMap((shard) => computeEvalShard(ctx, params, shard)));
}
