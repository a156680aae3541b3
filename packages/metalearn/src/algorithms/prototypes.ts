import * as tf from '@tensorflow/tfjs';

/**
 * Prototypical-network logits: the negative squared Euclidean distance from each query
 * embedding to each class prototype (the mean support embedding of the class).
 * @param support [T, ns, D] embeddings
 * @param supportOneHot [T, ns, N]
 * @param query [T, nq, D] embeddings
 * @returns [T, nq, N]
 */
export function prototypeLogits(support: tf.Tensor3D, supportOneHot: tf.Tensor3D, query: tf.Tensor3D): tf.Tensor3D {
  const counts = tf.expandDims(tf.sum(supportOneHot, 1), 2);
  const prototypes = tf.div(tf.matMul(supportOneHot, support, true, false), tf.maximum(counts, 1)) as tf.Tensor3D;
  const queryNorms = tf.sum(tf.square(query), 2, true);
  const prototypeNorms = tf.expandDims(tf.sum(tf.square(prototypes), 2), 1);
  const cross = tf.matMul(query, prototypes, false, true);
  return tf.neg(tf.add(tf.sub(queryNorms, tf.mul(2, cross)), prototypeNorms)) as tf.Tensor3D;
}
