import type { TaskMetrics } from './task-metrics';
import { outerLr, outerStep, type OptimizerState } from './outer-optimizer';
import type { ParamSet } from '../params';
import type { JobSpec } from '../spec/schema';
import { reduceShards } from './reduce-shards';

/** What a job carries from one round to the next; a checkpoint stores exactly this. */
export interface MetaState {
  /** the next round to run (= number of rounds done) */
  round: number;
  params: ParamSet;
  optimizer: OptimizerState;
}

/** Means over the round's tasks; accuracies only for classification. */
export interface RoundSummary {
  round: number;
  tasks: number;
  /** the meta-objective: mean query loss after adaptation */
  metaLoss: number;
  preLoss: number;
  postLoss: number;
  preAccuracy?: number;
  postAccuracy?: number;
  lr: number;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function summarize(round: number, metrics: TaskMetrics[], lr: number): RoundSummary {
  const summary: RoundSummary = {
    round,
    tasks: metrics.length,
    metaLoss: mean(metrics.map((m) => m.postLoss)),
    preLoss: mean(metrics.map((m) => m.preLoss)),
    postLoss: mean(metrics.map((m) => m.postLoss)),
    lr,
  };
  if (metrics.every((m) => m.postAccuracy !== undefined)) {
    summary.preAccuracy = mean(metrics.map((m) => m.preAccuracy ?? NaN));
    summary.postAccuracy = mean(metrics.map((m) => m.postAccuracy ?? NaN));
  }
  return summary;
}

/**
 * Ends a round: reduces the shard sums in shard-index order, averages over the meta-batch
 * and takes the outer optimizer step. `shards` must be complete and sorted by shard index.
 */
export function applyRound(
  spec: JobSpec,
  state: MetaState,
  shards: ReadonlyArray<{ sum: ParamSet; metrics: TaskMetrics[] }>,
): { state: MetaState; summary: RoundSummary } {
  const tasks = shards.reduce((n, s) => n + s.metrics.length, 0);
  if (tasks !== spec.outer.metaBatchSize) throw new Error(`round ${state.round} has ${tasks} task results, expected ${spec.outer.metaBatchSize}`);
  const grad = reduceShards(
    shards.map((s) => s.sum),
    tasks,
  );
  const lr = outerLr(spec.outer.lr, spec.outer.anneal, state.round, spec.outer.iterations);
  const next = outerStep(state.params, grad, state.optimizer, lr);
  const summary = summarize(
    state.round,
    shards.flatMap((s) => s.metrics),
    lr,
  );
  return { state: { round: state.round + 1, params: next.params, optimizer: next.state }, summary };
}
