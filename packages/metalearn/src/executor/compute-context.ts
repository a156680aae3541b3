import * as tf from '@tensorflow/tfjs';
import { algorithmConfig, type AlgorithmConfig, LEARNED_LR_PREFIX } from '../algorithms/algorithm-config';
import { batchGradient, type TaskMetrics } from '../algorithms/batch-gradient';
import { disposeBatch, stackTasks } from '../algorithms/task-batch';
import { createModel } from '../models/create-model';
import type { FunctionalModel, ParamShape } from '../models/model';
import type { ParamSet } from '../params';
import { Purpose, Rng } from '../rng/counter-rng';
import type { ShardPlan } from '../rounds/plan-round';
import type { JobSpec } from '../spec/schema';
import type { Task, TaskFamily, TaskSplit } from '../tasks/task';

/** Everything needed to compute shards of a job: pure, no I/O after the family is loaded. */
export interface ComputeContext {
  spec: JobSpec;
  family: TaskFamily;
  model: FunctionalModel;
  config: AlgorithmConfig;
  /** the meta-parameters' layout: model parameters, then Meta-SGD's learned lrs */
  layout: ParamShape[];
}

export interface ShardResult {
  round: number;
  shard: number;
  /** summed outer gradient over the shard's tasks, in layout order */
  sum: ParamSet;
  /** per task, in task order */
  metrics: Array<TaskMetrics & { task: number }>;
}

export function createComputeContext(spec: JobSpec, family: TaskFamily): ComputeContext {
  const model = createModel(spec.model, family, spec.algorithm !== 'protonet');
  const config = algorithmConfig(spec, model);
  const lrs = config.learnedLrs ? model.params.map((p) => ({ name: LEARNED_LR_PREFIX + p.name, shape: [...p.shape] })) : [];
  return { spec, family, model, config, layout: [...model.params, ...lrs] };
}

/** θ_0: the model's deterministic initialisation (plus Meta-SGD's lrs, all starting at inner.lr). */
export function initialMetaParams(ctx: ComputeContext): ParamSet {
  const params = ctx.model.init(Rng.for(ctx.spec.seed, Purpose.Init));
  const lrs = ctx.layout
    .filter((p) => p.name.startsWith(LEARNED_LR_PREFIX))
    .map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(ctx.spec.inner.lr) }));
  return [...params, ...lrs];
}

/** Task i of round r: a pure function of (seed, r, i) and the split. */
export function sampleTask(ctx: ComputeContext, round: number, index: number, split: TaskSplit = 'train'): Task {
  const purpose = split === 'train' ? Purpose.TrainTask : Purpose.EvalTask;
  return ctx.family.sample(Rng.for(ctx.spec.seed, purpose, round, index), split);
}

function addInto(total: Float32Array[], part: Float32Array[]): void {
  total.forEach((acc, i) => {
    const p = part[i] as Float32Array;
    for (let k = 0; k < acc.length; k++) acc[k] = (acc[k] as number) + (p[k] as number);
  });
}

/**
 * Computes one shard: its tasks as one batched computation when the model allows it,
 * otherwise task by task with the sum accumulated in task order.
 */
export function computeShard(ctx: ComputeContext, meta: ParamSet, round: number, shard: ShardPlan): ShardResult {
  const tasks: Task[] = [];
  for (let i = shard.start; i < shard.end; i++) tasks.push(sampleTask(ctx, round, i));
  const names = ctx.layout.map((p) => p.name);
  const batchCtx = { model: ctx.model, kind: ctx.family.kind, config: ctx.config, names };
  const metaTensors = meta.map((p) => tf.tensor(p.values, p.shape));
  const groups = ctx.model.canBatch(ctx.config.adaptNames) ? [tasks] : tasks.map((t) => [t]);
  let sum: Float32Array[] | undefined;
  const metrics: ShardResult['metrics'] = [];
  try {
    for (const group of groups) {
      const batch = stackTasks(group, ctx.family);
      try {
        const result = batchGradient(batchCtx, metaTensors, batch);
        if (sum) addInto(sum, result.sum);
        else sum = result.sum.map((a) => new Float32Array(a));
        for (const m of result.metrics) metrics.push({ task: shard.start + metrics.length, ...m });
      } finally {
        disposeBatch(batch);
      }
    }
  } finally {
    tf.dispose(metaTensors);
  }
  if (!sum) throw new Error(`shard ${shard.index} of round ${round} has no tasks`);
  const sums = sum;
  return { round, shard: shard.index, sum: ctx.layout.map((p, i) => ({ name: p.name, shape: [...p.shape], values: sums[i] as Float32Array })), metrics };
}
