import * as tf from '@tensorflow/tfjs';
import { LEARNED_LR_PREFIX } from '../algorithms/algorithm-config';
import { type ComputeContext, sampleTask } from '../executor/compute-context';
import type { TensorMap } from '../models/model';
import type { NamedArray, ParamSet } from '../params';
import { buildLayersModel, layersModelArtifacts } from './layers-model';
import type { ExportMeta } from './export-meta';

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

/** The LayersModel weights, in `model.weights` order, from the functional parameters. */
function layersWeights(ctx: ComputeContext, params: ParamSet, tensors: TensorMap): tf.Tensor[] {
  const moving = movingStatistics(ctx, tensors);
  const weights: tf.Tensor[] = [];
  for (const p of params) {
    if (p.name.startsWith(LEARNED_LR_PREFIX)) continue;
    weights.push(tf.tensor(p.values, p.shape));
    const bn = /^bn(\d+)\/beta$/.exec(p.name);
    const stats = bn ? moving[Number(bn[1])] : undefined;
    if (stats) weights.push(tf.tensor(stats.mean), tf.tensor(stats.variance));
  }
  return weights;
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
    const weights = layersWeights(ctx, params, tensors);
    model.setWeights(weights);
    tf.dispose(weights);
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
