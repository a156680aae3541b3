import * as tf from '@tensorflow/tfjs';
import type { ComputeContext } from '../compute/compute-shard';
import type { TensorMap } from '../models/model';
import { buildLayersModel, layersModelArtifacts } from './layers-model';
import type { ExportMeta } from './export-meta';
import { LEARNED_LR_PREFIX, type NamedArray, type ParamSet, sampleTask } from '@metatrain/core';

/** Tasks whose images estimate the batch-norm moving statistics of an exported conv4. */
const NORMALIZATION_TASKS = 16;

function toBase64(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function movingStatistics(ctx: ComputeContext, params: TensorMap): Array<{ mean: Float32Array; variance: Float32Array }> {
  const stats = ctx.model.normalizationStatistics;
  if (!stats) return [];
  const exampleSize = ctx.family.inputShape.reduce((a, b) => a * b, 1);
  const images: Float32Array[] = [];
  for (let i = 0; i < NORMALIZATION_TASKS; i++) {
    // Tasks of the round after the last one: training classes, never seen in training.
    const task = sampleTask(ctx, ctx.spec.outer.iterations, i);
    images.push(task.support.x, task.query.x);
  }
  const flat = new Float32Array(images.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of images) {
    flat.set(a, offset);
    offset += a.length;
  }
  const x = tf.tensor(flat, [flat.length / exampleSize, ...ctx.family.inputShape]);
  try {
    return stats(params, x);
  } finally {
    x.dispose();
  }
}

/**
 * Sets the LayersModel's weights layer by layer from the functional parameters, which come
 * in the same layer order (model.setWeights would want trainable weights first, then the
 * batch-norm moving statistics).
 */
function setLayerWeights(ctx: ComputeContext, model: tf.LayersModel, params: ParamSet, tensors: TensorMap): void {
  const moving = movingStatistics(ctx, tensors);
  const queue = params.filter((p) => !p.name.startsWith(LEARNED_LR_PREFIX));
  let norms = 0;
  for (const layer of model.layers) {
    const count = layer.weights.length;
    if (count === 0) continue;
    const own = queue.splice(0, layer.getClassName() === 'BatchNormalization' ? 2 : count).map((p) => tf.tensor(p.values, p.shape));
    if (layer.getClassName() === 'BatchNormalization') {
      const stats = moving[norms++];
      if (!stats) throw new Error('missing batch-norm statistics for export');
      own.push(tf.tensor(stats.mean), tf.tensor(stats.variance));
    }
    layer.setWeights(own);
    tf.dispose(own);
  }
  if (queue.length > 0) throw new Error(`export left ${queue.length} parameters unassigned`);
}

export interface ExportInfo {
  rounds: number;
  backend: string;
  /** directory relative data paths of the spec resolve against */
  dataDir?: string;
}

/**
 * The export of a trained meta-model: model.json + weights.bin (a TensorFlow.js LayersModel)
 * and meta.json (everything adaptation needs). Returns file name → bytes.
 */
export async function exportModel(ctx: ComputeContext, params: ParamSet, info: ExportInfo): Promise<Map<string, Uint8Array>> {
  const tensors: TensorMap = {};
  for (const p of params) tensors[p.name] = tf.tensor(p.values, p.shape);
  const model = buildLayersModel(ctx.spec.model, ctx.family.inputShape, ctx.spec.algorithm === 'protonet' ? 0 : ctx.family.outputSize);
  try {
    setLayerWeights(ctx, model, params, tensors);
    const { modelJson, weightsBin } = await layersModelArtifacts(model);
    const meta = exportMeta(ctx, params, info);
    return new Map([
      ['model.json', modelJson],
      ['weights.bin', weightsBin],
      ['meta.json', new TextEncoder().encode(JSON.stringify(meta, null, 2))],
    ]);
  } finally {
    model.dispose();
    tf.dispose(Object.values(tensors));
  }
}

function exportMeta(ctx: ComputeContext, params: ParamSet, info: ExportInfo): ExportMeta {
  const { spec, family, config } = ctx;
  const described = family.describe();
  const lrs: NamedArray[] = params.filter((p) => p.name.startsWith(LEARNED_LR_PREFIX));
  return {
    format: 'metatrain-export/v1',
    job: spec.name,
    algorithm: spec.algorithm,
    roundsTrained: info.rounds,
    backend: info.backend,
    model: spec.model,
    parameters: params.filter((p) => !p.name.startsWith(LEARNED_LR_PREFIX)).map((p) => ({ name: p.name, shape: p.shape })),
    batchNorm: spec.model.kind === 'conv4' ? 'task-statistics' : 'none',
    input: { shape: family.inputShape, preprocessing: described.preprocessing },
    output: {
      kind: spec.algorithm === 'protonet' ? 'embedding' : family.kind === 'regression' ? 'prediction' : 'logits',
      size: ctx.model.outputs,
      ...(described.labels ? { labels: described.labels } : {}),
    },
    loss: family.kind === 'regression' ? 'mean-squared-error' : 'softmax-cross-entropy',
    task: {
      family: family.family,
      kind: family.kind,
      supportSize: family.supportSize,
      querySize: family.querySize,
      spec: spec.tasks,
      ...(info.dataDir ? { dataDir: info.dataDir } : {}),
      source: described.source,
    },
    adaptation: {
      method: spec.algorithm === 'protonet' ? 'prototypes' : 'sgd',
      steps: spec.inner.steps,
      lr: spec.inner.lr,
      parameters: config.adaptNames,
      ...(lrs.length > 0
        ? { learnedLrs: lrs.map((p) => ({ name: p.name.slice(LEARNED_LR_PREFIX.length), shape: p.shape, float32Base64: toBase64(p.values) })) }
        : {}),
    },
    seed: spec.seed,
  };
}
