import * as tf from '@tensorflow/tfjs';
import type { Task } from '@metatrain/core';

/**
 * Second-order MAML the way the papers' example code reads: one task at a time, a dense
 * MLP written out layer by layer, inner gradients with tf.grads, outer gradients summed
 * over tasks. It is the baseline of bench/throughput, not used by metatrain itself.
 */
export function plainMamlLoop(weights: tf.Tensor[], tasks: Task[], innerLr: number): tf.Tensor[] {
  const forward = (w: tf.Tensor[], x: tf.Tensor2D) => {
    let h: tf.Tensor2D = x;
    for (let l = 0; l < w.length; l += 2) {
      h = tf.add(tf.matMul(h, w[l] as tf.Tensor2D), w[l + 1] as tf.Tensor) as tf.Tensor2D;
      if (l < w.length - 2) h = tf.relu(h);
    }
    return h;
  };
  return tf.tidy(() => {
    let total = weights.map((w) => tf.zerosLike(w));
    for (const task of tasks) {
      const xs = tf.tensor2d(task.support.x, [task.support.n, 1]);
      const ys = tf.tensor2d(task.support.y as Float32Array, [task.support.n, 1]);
      const xq = tf.tensor2d(task.query.x, [task.query.n, 1]);
      const yq = tf.tensor2d(task.query.y as Float32Array, [task.query.n, 1]);
      const metaLoss = (...w: tf.Tensor[]) => {
        const inner = tf.grads((...v: tf.Tensor[]) => tf.losses.meanSquaredError(ys, forward(v, xs)) as tf.Scalar)(w);
        const adapted = w.map((v, i) => tf.sub(v, tf.mul(innerLr, inner[i] as tf.Tensor)));
        return tf.losses.meanSquaredError(yq, forward(adapted, xq)) as tf.Scalar;
      };
      const grads = tf.grads(metaLoss)(weights);
      total = total.map((t, i) => tf.add(t, grads[i] as tf.Tensor));
    }
    return total;
  });
}
