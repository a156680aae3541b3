import * as tf from '@tensorflow/tfjs';
import type { ParamSet } from '../params';
import type { Rng } from '../rng/counter-rng';
import { glorotUniform } from './init';
import { dense, type FunctionalModel, type ParamShape, requireTensor, type TensorMap } from './model';

export interface MlpOptions {
  inputs: number;
  hidden: number[];
  /** output width; 0 means no head (the last hidden layer is the output, e.g. an embedding) */
  outputs: number;
  activation: 'relu' | 'tanh';
}

/** Fully connected network; every layer batches over tasks, shared or per-task weights alike. */
export function createMlp(options: MlpOptions): FunctionalModel {
  const widths = [options.inputs, ...options.hidden, ...(options.outputs > 0 ? [options.outputs] : [])];
  const layers = widths.slice(1).map((width, i) => ({ name: `dense${i}`, inputs: widths[i] ?? 0, width }));
  const params: ParamShape[] = layers.flatMap((l) => [
    { name: `${l.name}/kernel`, shape: [l.inputs, l.width] },
    { name: `${l.name}/bias`, shape: [l.width] },
  ]);
  const last = layers[layers.length - 1];
  if (!last) throw new Error('an MLP needs at least one layer');
  const hasHead = options.outputs > 0;
  const activate = options.activation === 'relu' ? tf.relu : tf.tanh;

  return {
    params,
    headNames: [`${last.name}/kernel`, `${last.name}/bias`],
    outputs: last.width,
    canBatch: () => true,
    init(rng: Rng): ParamSet {
      return layers.flatMap((l) => [
        { name: `${l.name}/kernel`, shape: [l.inputs, l.width], values: glorotUniform(rng, l.inputs * l.width, l.inputs, l.width) },
        { name: `${l.name}/bias`, shape: [l.width], values: new Float32Array(l.width) },
      ]);
    },
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
