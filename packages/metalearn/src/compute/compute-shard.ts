import * as tf from '@tensorflow/tfjs';
import {
  type BlockPlan,
  configForRound,
  createJobSetup,
  type IndexedTaskMetrics,
  initialOptimizerState,
  type JobSetup,
  type JobSpec,
  localStepsOf,
  outerLr,
  outerStep,
  type ParamSet,
  sampleTask,
  type Task,
  type TaskFamily,
} from '@metatrain/core';
import { batchGradient } from '../algorithms/batch-gradient';
import { disposeBatch, stackTasks } from '../algorithms/task-batch';
import { createModel } from '../models/create-model';
import type { FunctionalModel } from '../models/model';

/** Everything needed to compute blocks of a job: its setup plus the model's forward pass. Pure, no I/O after the family is loaded. */
export interface ComputeContext extends Omit<JobSetup, 'model'> {
  model: FunctionalModel;
}

/** One block's result. */
export interface BlockResult {
  /** The block's index in its round. */
  block: number;
  /** summed outer gradient over the block's tasks, in layout order */
  sum: ParamSet;
  /** per task, in task order */
  metrics: IndexedTaskMetrics[];
}

/** The compute context of `spec` on `family`. @throws SpecError when the model does not fit the family. */
export function createComputeContext(spec: JobSpec, family: TaskFamily): ComputeContext {
  const setup = createJobSetup(spec, family);
  return { ...setup, model: createModel(setup.model) };
}

function addInto(total: Float32Array[], part: Float32Array[]): void {
  total.forEach((acc, i) => {
    const p = part[i] as Float32Array;
    for (let k = 0; k < acc.length; k++) acc[k] = (acc[k] as number) + (p[k] as number);
  });
}

/**
 * Computes a shard: the blocks `blocks` of round `round`, one sum per block, in the order given.
 * Each block is computed exactly as if it were alone — its tasks as one batched computation
 * when the model allows it, otherwise task by task with the sum accumulated in task order — so
 * a block's bits do not depend on the shard it is part of. Only θ's tensors are shared.
 */
export function computeShard(ctx: ComputeContext, meta: ParamSet, round: number, blocks: readonly BlockPlan[]): BlockResult[] {
  const roundCtx = { ...ctx, config: configForRound(ctx.config, ctx.spec, round) };
  const local = localStepsOf(ctx.spec);
  if (local) return blocks.map((block) => toBlockResult(ctx, block, localStepsChange(roundCtx, meta, round, block, local.steps)));
  const metaTensors = meta.map((p) => tf.tensor(p.values, p.shape));
  try {
    return blocks.map((block) => toBlockResult(ctx, block, blockGradient(roundCtx, metaTensors, round, block)));
  } finally {
    tf.dispose(metaTensors);
  }
}

/** A block's sum, in layout order, and its tasks' metrics. */
interface BlockOutcome {
  sum: Float32Array[];
  metrics: IndexedTaskMetrics[];
}

function toBlockResult(ctx: ComputeContext, block: BlockPlan, { sum, metrics }: BlockOutcome): BlockResult {
  return { block: block.index, sum: ctx.layout.map((p, i) => ({ name: p.name, shape: [...p.shape], values: sum[i] as Float32Array })), metrics };
}

/** The block's summed outer gradient at θ (`metaTensors`), its tasks drawn for `taskRound`. */
function blockGradient(ctx: ComputeContext, metaTensors: tf.Tensor[], taskRound: number, block: BlockPlan): BlockOutcome {
  const tasks: Task[] = [];
  for (let i = block.start; i < block.end; i++) tasks.push(sampleTask(ctx, taskRound, i));
  const names = ctx.layout.map((p) => p.name);
  const batchCtx = { model: ctx.model, kind: ctx.family.kind, config: ctx.config, names };
  const groups = ctx.model.canBatch(ctx.config.adaptNames) ? [tasks] : tasks.map((t) => [t]);
  let sum: Float32Array[] | undefined;
  const metrics: IndexedTaskMetrics[] = [];
  for (const group of groups) {
    const batch = stackTasks(group, ctx.family);
    try {
      const result = batchGradient(batchCtx, metaTensors, batch);
      if (sum) addInto(sum, result.sum);
      else sum = result.sum.map((a) => new Float32Array(a));
      for (const m of result.metrics) metrics.push({ task: block.start + metrics.length, ...m });
    } finally {
      disposeBatch(batch);
    }
  }
  if (!sum) throw new Error(`block ${block.index} of round ${taskRound} has no tasks`);
  return { sum, metrics };
}

/**
 * Local steps: the block takes `steps` meta-steps of the spec's outer optimizer from θ_r (a
 * fresh optimizer state each round), step h on the tasks of round·steps + h, and reports its
 * parameter change θ_r − θ_local times its number of tasks, so that the round's average over
 * all tasks is the blocks' mean change. Its metrics are those of the first step (at θ_r).
 */
function localStepsChange(ctx: ComputeContext, meta: ParamSet, round: number, block: BlockPlan, steps: number): BlockOutcome {
  const { outer } = ctx.spec;
  const tasks = block.end - block.start;
  const lr = outerLr(outer.lr, outer.anneal, round, outer.iterations);
  let params = meta;
  let state = initialOptimizerState(outer.optimizer, meta);
  let firstMetrics: IndexedTaskMetrics[] | undefined;
  for (let h = 0; h < steps; h++) {
    const tensors = params.map((p) => tf.tensor(p.values, p.shape));
    try {
      const { sum, metrics } = blockGradient(ctx, tensors, round * steps + h, block);
      firstMetrics ??= metrics;
      const mean = params.map((p, i) => ({ ...p, values: (sum[i] as Float32Array).map((v) => v / tasks) }));
      ({ params, state } = outerStep(params, mean, state, lr));
    } finally {
      tf.dispose(tensors);
    }
  }
  const local = params;
  const sum = meta.map((p, i) => {
    const after = (local[i] as ParamSet[number]).values;
    return p.values.map((before, k) => (before - (after[k] as number)) * tasks);
  });
  return { sum, metrics: firstMetrics ?? [] };
}
