import * as tf from '@tensorflow/tfjs';
import './higher-order-gradients';
import type { FunctionalModel, TensorMap } from '../models/model';
import { perTaskLoss } from './losses';
import type { StackedExamples } from './task-batch';
import { LEARNED_LR_PREFIX, type TaskKind } from '@metatrain/core';

export interface InnerLoopOptions {
  model: FunctionalModel;
  kind: TaskKind;
  adaptNames: string[];
  steps: number;
  lr: number;
  learnedLrs: boolean;
}

/** Per-task copies of the adapted parameters: a leading task axis of size T. */
export function perTaskCopies(meta: TensorMap, names: string[], tasks: number): TensorMap {
  const copies: TensorMap = {};
  for (const name of names) {
    const t = meta[name];
    if (!t) throw new Error(`missing parameter ${name}`);
    // A broadcasting multiply rather than tile/broadcastTo: its gradient (a sum over the task
    // axis) exists for every rank on every backend.
    copies[name] = tf.mul(tf.ones([tasks, ...t.shape.map(() => 1)]), tf.expandDims(t, 0));
  }
  return copies;
}

/**
 * k steps of SGD on each task's support loss, all tasks at once: φ ← φ − α ∇φ Σ_t L_t(φ_t).
 * Tasks are independent, so the gradient of the sum is each task's own gradient.
 * Called inside an outer gradient tape, the updates are recorded and the outer gradient is
 * second order; called outside, they are constants (first order).
 */
export function innerLoop(meta: TensorMap, support: StackedExamples, options: InnerLoopOptions): TensorMap {
  return innerLoopSteps(meta, support, options).at(-1) ?? perTaskCopies(meta, options.adaptNames, support.x.shape[0] ?? 1);
}

/** {@link innerLoop}, with the adapted parameters after every step (the multi-step loss weighs each step's query loss). */
export function innerLoopSteps(meta: TensorMap, support: StackedExamples, options: InnerLoopOptions): TensorMap[] {
  const { model, adaptNames } = options;
  const tasks = support.x.shape[0] ?? 1;
  let phi = perTaskCopies(meta, adaptNames, tasks);
  const steps: TensorMap[] = [];
  for (let step = 0; step < options.steps; step++) {
    const lossOf = (...adapted: tf.Tensor[]): tf.Scalar => {
      const params: TensorMap = { ...meta };
      adaptNames.forEach((name, i) => (params[name] = adapted[i] as tf.Tensor));
      return tf.sum(perTaskLoss(options.kind, model.forward(params, support.x), support.y));
    };
    const grads = tf.grads(lossOf)(adaptNames.map((n) => phi[n] as tf.Tensor));
    const next: TensorMap = {};
    adaptNames.forEach((name, i) => {
      const lr = options.learnedLrs ? (meta[LEARNED_LR_PREFIX + name] as tf.Tensor) : tf.scalar(options.lr);
      next[name] = tf.sub(phi[name] as tf.Tensor, tf.mul(lr, grads[i] as tf.Tensor));
    });
    phi = next;
    steps.push(phi);
  }
  return steps;
}
