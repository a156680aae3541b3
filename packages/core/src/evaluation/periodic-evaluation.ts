import type { EvalSummary } from '../rounds/round-metrics';
import type { IndexedTaskMetrics, TaskMetrics } from '../rounds/task-metrics';
import { type BlockPlan, planBlocks } from '../rounds/plan-blocks';
import type { JobSpec } from '../spec/schema';
import { meanCi95 } from './stats';

// The periodic held-out evaluation of the spec's `eval: { everyRounds, tasks }`, in the pieces
// every process shares: how the tasks are split into blocks and how the results are summed up.
// When a version is evaluated is the job loop's (@metatrain/job-loop's cadence). What one block computes is @metatrain/metalearn's
// computeEvalBlock. Both paths end in summarizeEval over the same per-task numbers, so their
// metrics are equal bit for bit on one backend.

/** The evaluation stream of periodic evaluation during training; `metatrain eval` uses 1. */
export const TRAINING_EVAL_STREAM = 0;

/** One held-out task's loss (and accuracy) before and after adaptation; `task` is its index in the stream. */
export type EvalTaskMetrics = IndexedTaskMetrics;

/**
 * The blocks of one evaluation: `eval.tasks` held-out tasks, `blockSize` per block (as a
 * round's), in task order. Each block is computed alone, so the metrics do not depend on how
 * the blocks are grouped into shards.
 */
export function planEvalBlocks(spec: JobSpec): BlockPlan[] {
  return planBlocks(spec.eval?.tasks ?? 0, spec.blockSize);
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
