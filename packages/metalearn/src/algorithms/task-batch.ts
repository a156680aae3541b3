import * as tf from '@tensorflow/tfjs';
import { type Examples, type Task, type TaskFamily } from '@metatrain/core';

/** One side (support or query) of T stacked tasks, as tensors. */
export interface StackedExamples {
  /** [T, n, ...inputShape] */
  x: tf.Tensor;
  /** regression: [T, n, outputs] targets; classification: [T, n, ways] one-hot */
  y: tf.Tensor3D;
  /** classification only: [T, n] int32 labels */
  labels?: tf.Tensor2D;
}

export interface TaskBatch {
  tasks: number;
  support: StackedExamples;
  query: StackedExamples;
}

function stackSide(sides: Examples[], family: TaskFamily): StackedExamples {
  const T = sides.length;
  const n = sides[0]?.n ?? 0;
  const exampleSize = family.inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(T * n * exampleSize);
  sides.forEach((s, t) => x.set(s.x, t * n * exampleSize));
  const xt = tf.tensor(x, [T, n, ...family.inputShape]);
  if (family.kind === 'regression') {
    const y = new Float32Array(T * n * family.outputSize);
    sides.forEach((s, t) => y.set(s.y, t * n * family.outputSize));
    return { x: xt, y: tf.tensor3d(y, [T, n, family.outputSize]) };
  }
  const labels = new Int32Array(T * n);
  sides.forEach((s, t) => labels.set(s.y, t * n));
  const labelTensor = tf.tensor2d(labels, [T, n], 'int32');
  const oneHot = tf.tidy(() => tf.cast(tf.oneHot(labelTensor, family.outputSize), 'float32') as tf.Tensor3D);
  return { x: xt, y: oneHot, labels: labelTensor };
}

/** Stacks tasks of equal sizes into tensors; the caller disposes them (or runs inside tidy). */
export function stackTasks(tasks: Task[], family: TaskFamily): TaskBatch {
  return {
    tasks: tasks.length,
    support: stackSide(
      tasks.map((t) => t.support),
      family,
    ),
    query: stackSide(
      tasks.map((t) => t.query),
      family,
    ),
  };
}

export function disposeBatch(batch: TaskBatch): void {
  for (const side of [batch.support, batch.query]) tf.dispose([side.x, side.y, ...(side.labels ? [side.labels] : [])]);
}
