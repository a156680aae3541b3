import * as tf from '@tensorflow/tfjs';
import { perTaskLoss } from '../algorithms/losses';
import { type ExportIo, modelTargets } from '../eval/adapt-input';

/** [T, n, width] from T tasks' targets: regression values in the model's units, or one-hot classes. */
export function targetTensor(io: ExportIo, ys: Array<Float32Array | Int32Array>, n: number, ways: number): tf.Tensor3D {
  const T = ys.length;
  if (io.kind === 'regression') {
    const width = io.outputs ?? 1;
    const flat = new Float32Array(T * n * width);
    ys.forEach((y, t) => flat.set(modelTargets(io, y), t * n * width));
    return tf.tensor3d(flat, [T, n, width]);
  }
  const labels = new Int32Array(T * n);
  ys.forEach((y, t) => labels.set(Int32Array.from(y), t * n));
  return tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), ways), 'float32').reshape([T, n, ways]);
}

export function argmaxRows(values: Float32Array, width: number): Int32Array {
  const out = new Int32Array(width > 0 ? values.length / width : 0);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if ((values[r * width + c] as number) > (values[r * width + best] as number)) best = c;
    out[r] = best;
  }
  return out;
}

export function accuracyOf(predicted: Int32Array, labels: Float32Array | Int32Array): number {
  return predicted.reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0) / labels.length;
}

/** Each task's loss, [T] values, in the data's units (squared error scales with the square of the target transform). */
export function taskLosses(io: ExportIo, output: tf.Tensor3D, target: tf.Tensor3D): number[] {
  const scale = io.target ? io.target.std ** 2 : 1;
  return Array.from(perTaskLoss(io.kind, output, target).dataSync(), (v) => scale * v);
}

/** Query outputs of one task ([1, m, width]) as predictions in the data's units. */
export function predictionsOf(io: ExportIo, after: tf.Tensor3D): { predictions: Float32Array; width: number; raw: Float32Array } {
  const raw = after.dataSync() as Float32Array;
  const t = io.target;
  const predictions = io.kind === 'regression' && t ? raw.map((v) => v * t.std + t.mean) : raw.slice();
  return { predictions, width: after.shape[2] ?? 1, raw };
}
