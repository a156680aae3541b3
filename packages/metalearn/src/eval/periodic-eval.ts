import type { TaskMetrics } from '../algorithms/batch-gradient';
import type { ComputeContext } from '../executor/compute-context';
import type { ParamSet } from '../params';
import { planShards, type ShardPlan } from '../rounds/plan-round';
import type { JobSpec } from '../spec/schema';
import { adaptationFor } from './adaptation-for';
import { evaluateHeldOutTasks, type TaskRange } from './held-out';
import { meanCi95 } from './stats';

// The periodic held-out evaluation of the spec's `eval: { everyRounds, tasks }`, in pieces that
// the in-process trainer and the distributed system share: which versions are evaluated, how
// the tasks are split into shards, what one shard computes and how the results are summed up.
// `train` and the coordinator both end in summarizeEval over the same per-task numbers, so
// their metrics.jsonl lines are equal bit for bit on one backend.

/** The evaluation stream of periodic evaluation during training; `metatrain eval` uses 1. */
export const TRAINING_EVAL_STREAM = 0;

/** One held-out task's loss (and accuracy) before and after adaptation; `task` is its index in the stream. */
export type EvalTaskMetrics = TaskMetrics & { task: number };

/** A periodic evaluation as metrics.jsonl records it (`line.eval`): means over the held-out tasks. */
export interface EvalSummary {
  tasks: number;
  preLoss: number;
  postLoss: number;
  preAccuracy?: number;
  postAccuracy?: number;
}

/** Whether the parameters of `version` (rounds completed) are evaluated: every `eval.everyRounds` rounds. */
export function evalDue(spec: JobSpec, version: number): boolean {
  return spec.eval !== undefined && version > 0 && version % spec.eval.everyRounds === 0;
}

/** The shards of one evaluation: `eval.tasks` held-out tasks, `shardSize` per shard, in task order. */
export function planEvalShards(spec: JobSpec): ShardPlan[] {
  return planShards(spec.eval?.tasks ?? 0, spec.shardSize);
}

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

/** The means over every task of an evaluation, given in task order (accuracy only when every task has one). */
export function summarizeEval(metrics: readonly TaskMetrics[]): EvalSummary {
  const mean = (values: number[]) => meanCi95(values).mean;
  const summary: EvalSummary = { tasks: metrics.length, preLoss: mean(metrics.map((m) => m.preLoss)), postLoss: mean(metrics.map((m) => m.postLoss)) };
  if (metrics.length > 0 && metrics.every((m) => m.preAccuracy !== undefined && m.postAccuracy !== undefined)) {
    summary.preAccuracy = mean(metrics.map((m) => m.preAccuracy as number));
    summary.postAccuracy = mean(metrics.map((m) => m.postAccuracy as number));
  }
  return summary;
}

/** The whole evaluation of `params` in this process (what `train` records every `eval.everyRounds`). */
export function evaluatePeriodic(ctx: ComputeContext, params: ParamSet): EvalSummary {
  return summarizeEval(planEvalShards(ctx.spec).flatMap((shard) => computeEvalShard(ctx, params, shard)));
}
