import type { RoundSummary } from './round-metrics';
import type { TaskMetrics } from './task-metrics';
import { outerLr, outerStep, type OptimizerState } from './outer-optimizer';
import type { ParamSet } from '../params';
import type { JobSpec } from '../spec/schema';
import { reduceBlocks } from './reduce-blocks';
import { localStepsOf } from './local-steps';

/** What a job carries from one round to the next; a checkpoint stores exactly this. */
export interface MetaState {
  /** The parameter version: rounds completed so far, and the next round to run. */
  version: number;
  params: ParamSet;
  optimizer: OptimizerState;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Means over the round's tasks; accuracies only when every task has one (classification). */
export function summarize(round: number, metrics: TaskMetrics[], outerLr: number): RoundSummary {
  const summary: RoundSummary = {
    round,
    tasks: metrics.length,
    metaLoss: mean(metrics.map((m) => m.postLoss)),
    preLoss: mean(metrics.map((m) => m.preLoss)),
    postLoss: mean(metrics.map((m) => m.postLoss)),
    outerLr,
  };
  if (metrics.every((m) => m.postAccuracy !== undefined)) {
    summary.preAccuracy = mean(metrics.map((m) => m.preAccuracy ?? NaN));
    summary.postAccuracy = mean(metrics.map((m) => m.postAccuracy ?? NaN));
  }
  return summary;
}

/**
 * Ends a round: reduces the block sums in block-index order, averages over the meta-batch
 * and takes the outer optimizer step. `blocks` must be complete and sorted by block index.
 * With local steps a block's sum is its parameter change times its tasks, so the average is
 * the mean change, and the step is the sync step.
 */
export function applyRound(
  spec: JobSpec,
  state: MetaState,
  blocks: ReadonlyArray<{ sum: ParamSet; metrics: TaskMetrics[] }>,
): { state: MetaState; summary: RoundSummary } {
  const tasks = blocks.reduce((n, b) => n + b.metrics.length, 0);
  if (tasks !== spec.outer.metaBatchSize) throw new Error(`round ${state.version} has ${tasks} task results, expected ${spec.outer.metaBatchSize}`);
  const grad = reduceBlocks(
    blocks.map((b) => b.sum),
    tasks,
  );
  const lr = outerLr(spec.outer.lr, spec.outer.anneal, state.version, spec.outer.iterations);
  const local = localStepsOf(spec);
  const next = local ? outerStep(state.params, grad, state.optimizer, local.sync.lr, local.sync.momentum) : outerStep(state.params, grad, state.optimizer, lr);
  const summary = summarize(
    state.version,
    blocks.flatMap((b) => b.metrics),
    lr,
  );
  return { state: { version: state.version + 1, params: next.params, optimizer: next.state }, summary };
}
