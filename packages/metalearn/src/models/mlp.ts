import * as tf from '@tensorflow/tfjs';
import type { MlpLayout } from '@metatrain/core';
import { dense, type FunctionalModel, requireTensor, type TensorMap } from './model';

/** A fully connected network; every layer batches over tasks, shared or per-task weights alike. */
export function createMlp(layout: MlpLayout): FunctionalModel {
  const { options, layers } = layout;
  const hasHead = options.outputs > 0;
  const activate = options.activation === 'relu' ? tf.relu : tf.tanh;

  return {
    ...layout,
    canBatch: () => true,
    forward(p: TensorMap, x: tf.Tensor): tf.Tensor3D {
      const [T, n] = x.shape;
      let h = tf.reshape(x, [T ?? 1, n ?? 1, options.inputs]) as tf.Tensor3D;
      layers.forEach((l, i) => {
        h = dense(h, requireTensor(p, `${l.name}/kernel`), requireTensor(p, `${l.name}/bias`), tf);
        const isHead = hasHead && i === layers.length - 1;
        if (!isHead) h = activate(h);
      });
      return h;
    },
  };
}
