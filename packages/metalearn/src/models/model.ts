import type * as tf from '@tensorflow/tfjs';
import type { ModelLayout } from '@metatrain/core';

/** Parameters by name. A tensor may carry a leading task axis T (per-task adapted copies). */
export type TensorMap = Record<string, tf.Tensor>;

/**
 * A functional model: parameters are passed in, so an inner loop can differentiate through
 * its own updates. Inputs always carry a task axis: x is [T, n, ...inputShape] and the
 * output is [T, n, outputs]. A parameter with a leading T axis is used per task; one
 * without it is shared by all T tasks.
 */
export interface FunctionalModel extends ModelLayout {
  /** whether per-task copies of `names` can run as one batched computation over T tasks */
  canBatch(names: readonly string[]): boolean;
  forward(params: TensorMap, x: tf.Tensor): tf.Tensor3D;
  /**
   * Models with batch norm: per-layer mean and variance over the images of x ([N, ...]),
   * used as the moving statistics of an exported LayersModel.
   */
  normalizationStatistics?(params: TensorMap, x: tf.Tensor): Array<{ mean: Float32Array; variance: Float32Array }>;
}

/** Input of a dense layer: [T, n, in] with kernel [in, out] or per-task [T, in, out]. */
export function dense(h: tf.Tensor3D, kernel: tf.Tensor, bias: tf.Tensor, tfm: typeof tf): tf.Tensor3D {
  const [T, n, inputs] = h.shape;
  if (kernel.rank === 3) {
    const out = tfm.matMul(h, kernel as tf.Tensor3D);
    return tfm.add(out, tfm.expandDims(bias, 1)) as tf.Tensor3D;
  }
  const flat = tfm.matMul(tfm.reshape(h, [T * n, inputs]) as tf.Tensor2D, kernel as tf.Tensor2D);
  return tfm.reshape(tfm.add(flat, bias), [T, n, kernel.shape[1] ?? 0]) as tf.Tensor3D;
}

export function requireTensor(params: TensorMap, name: string): tf.Tensor {
  const t = params[name];
  if (!t) throw new Error(`missing parameter ${name}`);
  return t;
}
