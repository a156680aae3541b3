import * as tf from '@tensorflow/tfjs';
import { type BlockPlan, createJobSetup, type IndexedTaskMetrics, type JobSetup, type JobSpec, type ParamSet, sampleTask, type Task, type TaskFamily } from '@metatrain/core';
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
  const metaTensors = meta.map((p) => tf.tensor(p.values, p.shape));
  try {
    return blocks.map((block) => computeBlock(ctx, metaTensors, round, block));
  } finally {
    tf.dispose(metaTensors);
  }
}

function computeBlock(ctx: ComputeContext, metaTensors: tf.Tensor[], round: number, block: BlockPlan): BlockResult {
  const tasks: Task[] = [];
  for (let i = block.start; i < block.end; i++) tasks.push(sampleTask(ctx, round, i));
  const names = ctx.layout.map((p) => p.name);
  const batchCtx = { model: ctx.model, kind: ctx.family.kind, config: ctx.config, names };
  const groups = ctx.model.canBatch(ctx.config.adaptNames) ? [tasks] : tasks.map((t) => [t]);
  let sum: Float32Array[] | undefined;
  const metrics: BlockResult['metrics'] = [];
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
  if (!sum) throw new Error(`block ${block.index} of round ${round} has no tasks`);
  const sums = sum;
  return { block: block.index, sum: ctx.layout.map((p, i) => ({ name: p.name, shape: [...p.shape], values: sums[i] as Float32Array })), metrics };
}
