import * as tf from '@tensorflow/tfjs';
import './higher-order-gradients';
import type { FunctionalModel, TensorMap } from '../models/model';
import { innerLoop, innerLoopSteps, type InnerLoopOptions } from './inner-loop';
import { perTaskAccuracy, perTaskLoss } from './losses';
import { prototypeLogits } from './prototypes';
import type { TaskBatch } from './task-batch';
import type { AlgorithmConfig, TaskKind, TaskMetrics } from '@metatrain/core';

export interface BatchGradient {
  /** the summed outer gradient (Reptile: summed θ − φ), one array per meta-parameter, in order */
  sum: Float32Array[];
  metrics: TaskMetrics[];
}

export interface BatchContext {
  model: FunctionalModel;
  kind: TaskKind;
  config: AlgorithmConfig;
  /** names of the meta-parameters (model parameters, then learned lrs) in canonical order */
  names: string[];
}

interface Outcome {
  sum: tf.Tensor[];
  /** query outputs before and after adaptation, [T, nq, outputs] */
  before: tf.Tensor3D;
  after: tf.Tensor3D;
}

function toMap(names: string[], tensors: readonly tf.Tensor[]): TensorMap {
  const map: TensorMap = {};
  names.forEach((n, i) => (map[n] = tensors[i] as tf.Tensor));
  return map;
}

function innerOptions(ctx: BatchContext): InnerLoopOptions {
  const { config } = ctx;
  return { model: ctx.model, kind: ctx.kind, adaptNames: config.adaptNames, steps: config.innerSteps, lr: config.innerLr, learnedLrs: config.learnedLrs };
}

/** The summed query loss at the adapted parameters: the last step's, or with a multi-step loss every step's, weighed. */
function queryLoss(ctx: BatchContext, params: TensorMap, steps: TensorMap[], batch: TaskBatch, lastOut: tf.Tensor3D): tf.Scalar {
  const last: tf.Scalar = tf.sum(perTaskLoss(ctx.kind, lastOut, batch.query.y));
  const weights = ctx.config.stepLossWeights;
  if (!weights) return last;
  const lossAt = (i: number): tf.Scalar => (i === steps.length - 1 ? last : tf.sum(perTaskLoss(ctx.kind, ctx.model.forward({ ...params, ...steps[i] }, batch.query.x), batch.query.y)));
  return tf.addN(weights.map((w, i) => tf.mul(w, lossAt(i)))) as tf.Scalar;
}

function secondOrder(ctx: BatchContext, meta: tf.Tensor[], batch: TaskBatch): Outcome {
  let after: tf.Tensor3D | undefined;
  const objective = (...tensors: tf.Tensor[]): tf.Scalar => {
    const params = toMap(ctx.names, tensors);
    const steps = innerLoopSteps(params, batch.support, innerOptions(ctx));
    const out = ctx.model.forward({ ...params, ...steps.at(-1) }, batch.query.x);
    after = tf.keep(out);
    return queryLoss(ctx, params, steps, batch, out);
  };
  const { value, grads } = tf.valueAndGrads(objective)(meta);
  value.dispose();
  if (!after) throw new Error('objective did not run');
  return { sum: grads, before: ctx.model.forward(toMap(ctx.names, meta), batch.query.x), after };
}

function firstOrder(ctx: BatchContext, meta: tf.Tensor[], batch: TaskBatch): Outcome {
  const params = toMap(ctx.names, meta);
  const steps = innerLoopSteps(params, batch.support, innerOptions(ctx));
  const phi = steps.at(-1) ?? {};
  const adapted = new Set(ctx.config.adaptNames);
  const modelNames = ctx.model.params.map((p) => p.name);
  const objective = (...tensors: tf.Tensor[]): tf.Scalar =>
    tf.sum(perTaskLoss(ctx.kind, ctx.model.forward({ ...params, ...toMap(modelNames, tensors) }, batch.query.x), batch.query.y));
  /** The query loss's gradient at the adapted parameters `at`, treated as constants. */
  const gradientAt = (at: TensorMap) => tf.grads(objective)(modelNames.map((n) => (adapted.has(n) ? (at[n] as tf.Tensor) : (params[n] as tf.Tensor))));
  const weights = ctx.config.stepLossWeights;
  const grads = weights ? weights.map((w, i) => gradientAt(steps[i] ?? {}).map((g) => tf.mul(w, g))).reduce((a, b) => a.map((g, k) => tf.add(g, b[k] as tf.Tensor))) : gradientAt(phi);
  // Gradients at the per-task points are summed over the task axis; learned lrs get none.
  const sum = ctx.names.map((n) => {
    const i = modelNames.indexOf(n);
    if (i < 0) return tf.zerosLike(params[n] as tf.Tensor);
    const g = grads[i] as tf.Tensor;
    return adapted.has(n) ? tf.sum(g, 0) : g;
  });
  return { sum, before: ctx.model.forward(params, batch.query.x), after: ctx.model.forward({ ...params, ...phi }, batch.query.x) };
}

function reptile(ctx: BatchContext, meta: tf.Tensor[], batch: TaskBatch): Outcome {
  const params = toMap(ctx.names, meta);
  const phi = innerLoop(params, batch.support, innerOptions(ctx));
  const sum = ctx.names.map((n) => {
    const theta = params[n] as tf.Tensor;
    const p = phi[n];
    return p ? tf.sum(tf.sub(tf.expandDims(theta, 0), p), 0) : tf.zerosLike(theta);
  });
  return { sum, before: ctx.model.forward(params, batch.query.x), after: ctx.model.forward({ ...params, ...phi }, batch.query.x) };
}

function protonet(ctx: BatchContext, meta: tf.Tensor[], batch: TaskBatch): Outcome {
  let logits: tf.Tensor3D | undefined;
  const objective = (...tensors: tf.Tensor[]): tf.Scalar => {
    const params = toMap(ctx.names, tensors);
    const out = prototypeLogits(ctx.model.forward(params, batch.support.x), batch.support.y, ctx.model.forward(params, batch.query.x));
    logits = tf.keep(out);
    return tf.sum(perTaskLoss('classification', out, batch.query.y));
  };
  const { value, grads } = tf.valueAndGrads(objective)(meta);
  value.dispose();
  if (!logits) throw new Error('objective did not run');
  return { sum: grads, before: logits, after: logits };
}

function pretrain(ctx: BatchContext, meta: tf.Tensor[], batch: TaskBatch): Outcome {
  const objective = (...tensors: tf.Tensor[]): tf.Scalar => {
    const params = toMap(ctx.names, tensors);
    const loss = (side: typeof batch.support) => perTaskLoss(ctx.kind, ctx.model.forward(params, side.x), side.y);
    return tf.sum(tf.mul(0.5, tf.add(loss(batch.support), loss(batch.query))));
  };
  const { value, grads } = tf.valueAndGrads(objective)(meta);
  value.dispose();
  const out = ctx.model.forward(toMap(ctx.names, meta), batch.query.x);
  return { sum: grads, before: out, after: out };
}

function outcome(ctx: BatchContext, meta: tf.Tensor[], batch: TaskBatch): Outcome {
  switch (ctx.config.mode) {
    case 'gradient':
      return ctx.config.secondOrder ? secondOrder(ctx, meta, batch) : firstOrder(ctx, meta, batch);
    case 'reptile':
      return reptile(ctx, meta, batch);
    case 'protonet':
      return protonet(ctx, meta, batch);
    case 'pretrain':
      return pretrain(ctx, meta, batch);
  }
}

/**
 * The outer-gradient contribution of a batch of T tasks (summed, not averaged) and each
 * task's metrics. `meta` holds the meta-parameters in `ctx.names` order. No tensors leak.
 */
export function batchGradient(ctx: BatchContext, meta: tf.Tensor[], batch: TaskBatch): BatchGradient {
  const [sumTensors, losses, accuracies] = tf.tidy(() => {
    const o = outcome(ctx, meta, batch);
    const lossOf = (out: tf.Tensor3D) => perTaskLoss(ctx.kind, out, batch.query.y);
    const losses = tf.stack([lossOf(o.before), lossOf(o.after)]);
    const labels = batch.query.labels;
    const accuracies = labels ? tf.stack([perTaskAccuracy(o.before, labels), perTaskAccuracy(o.after, labels)]) : undefined;
    tf.dispose([o.before, o.after]);
    return [o.sum, losses, accuracies] as const;
  });
  const sum = sumTensors.map((t) => t.dataSync() as Float32Array);
  const lossValues = losses.dataSync();
  const accValues = accuracies?.dataSync();
  tf.dispose([...sumTensors, losses, ...(accuracies ? [accuracies] : [])]);
  const T = batch.tasks;
  const metrics: TaskMetrics[] = Array.from({ length: T }, (_, t) => ({
    preLoss: lossValues[t] ?? NaN,
    postLoss: lossValues[T + t] ?? NaN,
    ...(accValues ? { preAccuracy: accValues[t] ?? NaN, postAccuracy: accValues[T + t] ?? NaN } : {}),
  }));
  return { sum, metrics };
}
