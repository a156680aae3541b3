import * as tf from '@tensorflow/tfjs';

/**
 * 3×3 convolution, stride 1, 'same' padding. Backends without a Conv2DBackpropFilter kernel
 * (wasm) cannot differentiate tf.conv2d with respect to its filter, so there the convolution
 * is written as patches × matrix (im2col): a pad, nine shifted slices and one matMul, all
 * differentiable any number of times on every backend.
 */
export function conv3x3Same(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) return tf.conv2d(x, kernel, 1, 'same');
  const [n, h, w, c] = x.shape;
  const out = kernel.shape[3];
  const padded = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  const patches: tf.Tensor4D[] = [];
  for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) patches.push(tf.slice(padded, [0, dy, dx, 0], [n, h, w, c]));
  const columns = tf.reshape(tf.concat(patches, 3), [n * h * w, 9 * c]) as tf.Tensor2D;
  const product = tf.matMul(columns, tf.reshape(kernel, [9 * c, out]) as tf.Tensor2D);
  return tf.reshape(product, [n, h, w, out]) as tf.Tensor4D;
}
