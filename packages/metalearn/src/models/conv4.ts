import * as tf from '@tensorflow/tfjs';
import { CONV4_BLOCKS, type Conv4Layout } from '@metatrain/core';
import { conv3x3Same } from './conv3x3';
import { dense, type FunctionalModel, requireTensor, type TensorMap } from './model';

const BN_EPSILON = 1e-3;

/**
 * 2×2 max-pool, stride 2, 'valid' (odd sizes drop the last row/column), written as a
 * reshape and a max so that it can be differentiated twice: tfjs has no gradient for the
 * MaxPoolGrad kernel that tf.maxPool's gradient uses.
 */
function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [ph, pw] = [Math.floor(h / 2), Math.floor(w / 2)];
  const even = h % 2 === 0 && w % 2 === 0 ? x : tf.slice(x, [0, 0, 0, 0], [n, 2 * ph, 2 * pw, c]);
  return tf.max(tf.reshape(even, [n, ph, 2, pw, 2, c]), [2, 4]) as tf.Tensor4D;
}

/**
 * The standard few-shot backbone: 4 × [3×3 conv, batch norm, ReLU, 2×2 max-pool], then an
 * optional dense head. Batch norm always uses the statistics of the current task's batch
 * (transductive, as in MAML's reference code), computed per task, so batching tasks
 * never mixes their statistics.
 */
export function createConv4(layout: Conv4Layout): FunctionalModel {
  const { options, params, headNames, features } = layout;
  const [height, width, inChannels] = options.inputShape;
  const hasHead = options.outputs > 0;

  function block(x: tf.Tensor4D, T: number, p: TensorMap, b: number, onMoments?: (m: tf.Tensor, v: tf.Tensor) => void): tf.Tensor4D {
    const kernel = requireTensor(p, `conv${b}/kernel`);
    if (kernel.rank !== 4) throw new Error('conv4 cannot batch per-task convolution kernels');
    let y = conv3x3Same(x, kernel as tf.Tensor4D);
    y = tf.add(y, requireTensor(p, `conv${b}/bias`));
    const [N, hh, ww, c] = y.shape;
    const perTask = tf.reshape(y, [T, N / T, hh, ww, c]);
    const { mean, variance } = tf.moments(perTask, [1, 2, 3], true);
    onMoments?.(mean, variance);
    const gamma = tf.reshape(requireTensor(p, `bn${b}/gamma`), [-1, 1, 1, 1, c]);
    const beta = tf.reshape(requireTensor(p, `bn${b}/beta`), [-1, 1, 1, 1, c]);
    const normed = tf.add(tf.mul(tf.div(tf.sub(perTask, mean), tf.sqrt(tf.add(variance, BN_EPSILON))), gamma), beta);
    const activated = tf.relu(tf.reshape(normed, [N, hh, ww, c]) as tf.Tensor4D);
    return maxPool2x2(activated);
  }

  function squeezeTaskAxis(p: TensorMap): TensorMap {
    // A per-task conv kernel is allowed only for one task at a time: squeeze its task axis.
    const out: TensorMap = {};
    for (const [name, t] of Object.entries(p)) {
      const isPerTask = t.rank === (params.find((q) => q.name === name)?.shape.length ?? 0) + 1;
      out[name] = isPerTask && !headNames.includes(name) ? tf.squeeze(t, [0]) : t;
    }
    return out;
  }

  return {
    ...layout,
    canBatch: (names) => names.every((n) => headNames.includes(n)),
    forward(p: TensorMap, x: tf.Tensor): tf.Tensor3D {
      const [T = 1, n = 1] = x.shape;
      const shared = squeezeTaskAxis(p);
      let y = tf.reshape(x, [T * n, height, width, inChannels]) as tf.Tensor4D;
      for (let b = 0; b < CONV4_BLOCKS; b++) y = block(y, T, shared, b);
      const flat = tf.reshape(y, [T, n, features]) as tf.Tensor3D;
      if (!hasHead) return flat;
      return dense(flat, requireTensor(shared, 'dense/kernel'), requireTensor(shared, 'dense/bias'), tf);
    },
    normalizationStatistics(p: TensorMap, x: tf.Tensor) {
      const stats: Array<{ mean: Float32Array; variance: Float32Array }> = [];
      tf.tidy(() => {
        let y = tf.reshape(x, [-1, height, width, inChannels]) as tf.Tensor4D;
        for (let b = 0; b < CONV4_BLOCKS; b++) {
          y = block(y, 1, p, b, (m, v) => stats.push({ mean: m.dataSync() as Float32Array, variance: v.dataSync() as Float32Array }));
        }
      });
      return stats;
    },
  };
}
