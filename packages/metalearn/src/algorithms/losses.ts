import * as tf from '@tensorflow/tfjs';
import { type TaskKind } from '@metatrain/core';

/**
 * Loss of each task: [T]. Regression: mean squared error over examples and outputs.
 * Classification: mean softmax cross-entropy of logits [T, n, ways] against one-hot targets.
 */
export function perTaskLoss(kind: TaskKind, output: tf.Tensor3D, target: tf.Tensor3D): tf.Tensor1D {
  if (kind === 'regression') return tf.mean(tf.squaredDifference(output, target), [1, 2]) as tf.Tensor1D;
  // x − logsumexp(x) rather than tf.logSoftmax: the latter's custom gradient reads a saved
  // copy of its output and so cannot be differentiated twice (see higher-order-gradients.ts).
  const logProbs = tf.sub(output, tf.logSumExp(output, 2, true));
  return tf.neg(tf.mean(tf.sum(tf.mul(target, logProbs), 2), 1)) as tf.Tensor1D;
}

/** Fraction of correct arg-max predictions per task: [T]. */
export function perTaskAccuracy(output: tf.Tensor3D, labels: tf.Tensor2D): tf.Tensor1D {
  const correct = tf.cast(tf.equal(tf.argMax(output, 2), labels), 'float32');
  return tf.mean(correct, 1) as tf.Tensor1D;
}
