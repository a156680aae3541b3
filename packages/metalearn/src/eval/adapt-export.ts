import * as tf from '@tensorflow/tfjs';
import { perTaskCopies } from '../algorithms/inner-loop';
import { perTaskLoss } from '../algorithms/losses';
import { prototypeLogits } from '../algorithms/prototypes';
import type { ExportMeta } from '../export/export-meta';
import type { LoadedExport } from '../export/read-export';
import { createModel } from '../models/create-model';
import type { FunctionalModel, TensorMap } from '../models/model';
import { type AdaptQuery, checkAdaptInput, type ExportIo, exportIo, modelInputs, modelTargets } from './adapt-input';
import { createModelLayout, DecodeError, type Examples, InputError, LEARNED_LR_PREFIX, type TaskFamily } from '@metatrain/core';

/** Most inner steps one adaptation may take, as for `inner.steps` in a spec; keeps a request from holding the process for long. */
export const MAX_ADAPT_STEPS = 100;

export interface AdaptExportOptions {
  /** Inner SGD steps (0 predicts with the meta-parameters). @default meta.json's adaptation.steps */
  steps?: number;
  /**
   * Inner learning rate. @default meta.json's adaptation.lr — for Meta-SGD its learned
   * per-parameter rates, which an explicit `lr` replaces.
   */
  lr?: number;
}

/** A meta-model adapted to one task: support losses along the way and query predictions. */
export interface AdaptExportResult {
  method: 'sgd' | 'prototypes';
  /** steps taken (0 for prototypes) */
  steps: number;
  /** the learning rate used; undefined when Meta-SGD's learned rates were */
  lr: number | undefined;
  /** SGD: support loss before the first step and after each step (steps + 1 values); prototypes: one value */
  supportLosses: number[];
  /** query outputs after adaptation, [m, predictionWidth] row-major: regression values (in the data's units), or class logits */
  predictions: Float32Array;
  predictionWidth: number;
  /** classification: arg-max class of each query example */
  predictedClasses?: Int32Array;
  /** with query targets: query loss (and accuracy for classification) with the meta-parameters and after adaptation; prototypes have no "before" */
  queryLossBefore?: number;
  queryLossAfter?: number;
  queryAccuracyBefore?: number;
  queryAccuracyAfter?: number;
}

/** createModel wants a task family; from an export only its shapes are known. */
function shapeFamily(meta: ExportMeta): TaskFamily {
  return {
    family: meta.task.family,
    kind: meta.task.kind,
    inputShape: meta.input.shape,
    outputSize: meta.output.size,
    supportSize: meta.task.supportSize,
    querySize: meta.task.querySize,
    sample: () => {
      throw new Error(`an export's task family cannot sample tasks (${meta.task.family})`);
    },
    describe: () => ({ preprocessing: meta.input.preprocessing, source: meta.task.source }),
  };
}

function exportedModel(loaded: LoadedExport): FunctionalModel {
  const { meta } = loaded;
  const model = createModel(createModelLayout(meta.model, shapeFamily(meta), meta.adaptation.method !== 'prototypes'));
  const params = loaded.params.filter((p) => !p.name.startsWith(LEARNED_LR_PREFIX));
  const same = model.params.length === params.length && model.params.every((p, i) => p.name === params[i]?.name && p.shape.join() === params[i]?.shape.join());
  if (!same) throw new DecodeError(`export of ${meta.job}: its parameters do not match its model (${meta.model.kind})`);
  return model;
}

function resolveOptions(meta: ExportMeta, options: AdaptExportOptions): { steps: number; lr: number | undefined } {
  const steps = options.steps ?? meta.adaptation.steps;
  if (!Number.isInteger(steps) || steps < 0 || steps > MAX_ADAPT_STEPS) throw new InputError('steps', `must be an integer from 0 to ${MAX_ADAPT_STEPS}, got ${steps}`);
  if (options.lr !== undefined && !(Number.isFinite(options.lr) && options.lr > 0)) throw new InputError('lr', `must be a positive number, got ${options.lr}`);
  const learned = options.lr === undefined && (meta.adaptation.learnedLrs?.length ?? 0) > 0;
  return { steps, lr: learned ? undefined : (options.lr ?? meta.adaptation.lr) };
}

/** [1, n, width]: regression targets, or one-hot classes. */
function targetTensor(io: ExportIo, y: Float32Array | Int32Array, n: number, ways: number): tf.Tensor3D {
  if (io.kind === 'regression') return tf.tensor3d(modelTargets(io, y), [1, n, io.outputs ?? 1]);
  return tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(y), 'int32'), ways), 'float32').reshape([1, n, ways]);
}

function argmaxRows(values: Float32Array, width: number): Int32Array {
  const out = new Int32Array(width > 0 ? values.length / width : 0);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if ((values[r * width + c] as number) > (values[r * width + best] as number)) best = c;
    out[r] = best;
  }
  return out;
}

function accuracyOf(predicted: Int32Array, labels: Float32Array | Int32Array): number {
  return predicted.reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0) / labels.length;
}

const scalarOf = (t: tf.Tensor): number => t.dataSync()[0] ?? NaN;

/**
 * Adapts an exported meta-model to one task and predicts its query examples: `steps` SGD
 * steps on the support loss (the training inner loop, on the parameters meta.json names),
 * or class prototypes for ProtoNets. Inputs and targets are in the data's own units; an
 * export trained on normalised csv data applies the same transform, and reports regression
 * predictions and losses back in the data's units.
 *
 * Shared by `metatrain adapt` and the coordinator's Adapt RPC.
 * @throws InputError naming the field that does not fit the model
 */
export function adaptExport(loaded: LoadedExport, support: Examples, query: AdaptQuery | undefined, options: AdaptExportOptions = {}): AdaptExportResult {
  const { meta } = loaded;
  const io = exportIo(meta);
  const { steps, lr } = resolveOptions(meta, options);
  const ways = checkAdaptInput(io, support, query);
  const model = exportedModel(loaded);
  // Squared error scales with the square of the target transform.
  const lossScale = io.target ? io.target.std ** 2 : 1;
  let result: AdaptExportResult | undefined;
  tf.tidy(() => {
    const theta: TensorMap = {};
    for (const p of loaded.params) theta[p.name] = tf.tensor(p.values, p.shape);
    const sx = tf.tensor(modelInputs(io, support.x), [1, support.n, ...io.inputShape]);
    const sy = targetTensor(io, support.y, support.n, ways);
    const qx = query ? tf.tensor(modelInputs(io, query.x), [1, query.n, ...io.inputShape]) : undefined;
    const qy = query?.y ? targetTensor(io, query.y, query.n, ways) : undefined;
    const lossOf = (output: tf.Tensor3D, target: tf.Tensor3D) => lossScale * scalarOf(perTaskLoss(io.kind, output, target));

    let before: tf.Tensor3D | undefined;
    let after: tf.Tensor3D | undefined;
    const supportLosses: number[] = [];
    if (meta.adaptation.method === 'prototypes') {
      const embedded = model.forward(theta, sx);
      supportLosses.push(lossOf(prototypeLogits(embedded, sy, embedded), sy));
      if (qx) after = prototypeLogits(embedded, sy, model.forward(theta, qx));
    } else {
      const adapted = sgdSteps(model, theta, sx, sy, { io, names: meta.adaptation.parameters, steps, lr, lossScale, supportLosses });
      if (qx) {
        before = model.forward(theta, qx);
        after = model.forward({ ...theta, ...adapted }, qx);
      }
    }
    const width = after?.shape[2] ?? (io.kind === 'classification' ? ways : (io.outputs ?? 1));
    const raw = after ? (after.dataSync() as Float32Array) : new Float32Array(0);
    const t = io.target;
    const predictions = io.kind === 'regression' && t ? raw.map((v) => v * t.std + t.mean) : raw.slice();
    const out: AdaptExportResult = { method: meta.adaptation.method, steps: meta.adaptation.method === 'prototypes' ? 0 : steps, lr, supportLosses, predictions, predictionWidth: width };
    if (io.kind === 'classification') out.predictedClasses = argmaxRows(raw, width);
    if (qy && query?.y && after) {
      out.queryLossAfter = lossOf(after, qy);
      if (before) out.queryLossBefore = lossOf(before, qy);
      if (io.kind === 'classification') {
        out.queryAccuracyAfter = accuracyOf(out.predictedClasses as Int32Array, query.y);
        if (before) out.queryAccuracyBefore = accuracyOf(argmaxRows(before.dataSync() as Float32Array, width), query.y);
      }
    }
    result = out;
  });
  return result as AdaptExportResult;
}

interface SgdOptions {
  io: ExportIo;
  names: string[];
  steps: number;
  /** undefined: Meta-SGD's learned rates, `lr/<param>` in theta */
  lr: number | undefined;
  lossScale: number;
  /** receives the support loss before each step and after the last */
  supportLosses: number[];
}

/**
 * The inner loop of training (inner-loop.ts) one step at a time, so that the support loss
 * of every step can be reported. Returns the adapted parameters with a task axis of 1.
 */
function sgdSteps(model: FunctionalModel, theta: TensorMap, sx: tf.Tensor, sy: tf.Tensor3D, options: SgdOptions): TensorMap {
  const { names, io } = options;
  const lossOf = (...adapted: tf.Tensor[]): tf.Scalar => {
    const params: TensorMap = { ...theta };
    names.forEach((name, i) => (params[name] = adapted[i] as tf.Tensor));
    return tf.sum(perTaskLoss(io.kind, model.forward(params, sx), sy));
  };
  const copies = perTaskCopies(theta, names, 1);
  let phi = names.map((name) => copies[name] as tf.Tensor);
  for (let step = 0; step < options.steps; step++) {
    const next = tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads(lossOf)(phi);
      options.supportLosses.push(options.lossScale * scalarOf(value));
      return phi.map((p, i) => {
        const lr = options.lr === undefined ? (theta[LEARNED_LR_PREFIX + (names[i] as string)] as tf.Tensor) : tf.scalar(options.lr);
        return tf.sub(p, tf.mul(lr, grads[i] as tf.Tensor));
      });
    });
    tf.dispose(phi);
    phi = next;
  }
  options.supportLosses.push(options.lossScale * scalarOf(lossOf(...phi)));
  const adapted: TensorMap = {};
  names.forEach((name, i) => (adapted[name] = phi[i] as tf.Tensor));
  return adapted;
}
