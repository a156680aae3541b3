import * as tf from '@tensorflow/tfjs';
import { perTaskCopies } from '../algorithms/inner-loop';
import { perTaskLoss } from '../algorithms/losses';
import { prototypeLogits } from '../algorithms/prototypes';
import { type AdaptQuery, checkAdaptInput, type ExportIo, exportIo, modelInputs } from '../eval/adapt-input';
import type { ExportMeta } from '../export/export-meta';
import type { LoadedExport } from '../export/read-export';
import type { FunctionalModel, TensorMap } from '../models/model';
import { accuracyOf, argmaxRows, predictionsOf, targetTensor, taskLosses } from './adapt-outputs';
import { type AdaptedModel, type AdaptExportOptions, type AdaptExportResult, type AdaptTask, MAX_ADAPT_STEPS } from './adapt-types';
import { exportedModel } from './exported-model';
import { InputError, LEARNED_LR_PREFIX } from '@metatrain/core';

/** A task's answer: its result, or why its input does not fit the model. */
export type AdaptTaskOutcome = { ok: true; result: AdaptExportResult } | { ok: false; error: InputError };

/** A task checked against the model, ready to be stacked with others of the same shape. */
interface Prepared {
  index: number;
  task: AdaptTask;
  steps: number;
  lr: number | undefined;
  ways: number;
}

function resolveOptions(meta: ExportMeta, options: AdaptExportOptions): { steps: number; lr: number | undefined } {
  const steps = options.steps ?? meta.adaptation.steps;
  if (!Number.isInteger(steps) || steps < 0 || steps > MAX_ADAPT_STEPS) throw new InputError('steps', `must be an integer from 0 to ${MAX_ADAPT_STEPS}, got ${steps}`);
  if (options.lr !== undefined && !(Number.isFinite(options.lr) && options.lr > 0)) throw new InputError('lr', `must be a positive number, got ${options.lr}`);
  const learned = options.lr === undefined && (meta.adaptation.learnedLrs?.length ?? 0) > 0;
  return { steps, lr: learned ? undefined : (options.lr ?? meta.adaptation.lr) };
}

/**
 * Tasks that can run as one batched computation: same support size, steps, lr and classes.
 * A model that cannot batch per-task copies of its adapted parameters (conv4 adapting its
 * convolutions) runs each task alone.
 */
function groupsOf(prepared: Prepared[], canBatch: boolean): Prepared[][] {
  if (!canBatch) return prepared.map((p) => [p]);
  const groups = new Map<string, Prepared[]>();
  for (const p of prepared) {
    const key = `${p.task.support.n}|${p.steps}|${p.lr ?? 'learned'}|${p.ways}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()];
}

const stackInputs = (io: ExportIo, xs: Float32Array[], n: number): tf.Tensor => {
  const flat = new Float32Array(xs.length * n * io.exampleSize);
  xs.forEach((x, t) => flat.set(modelInputs(io, x), t * n * io.exampleSize));
  return tf.tensor(flat, [xs.length, n, ...io.inputShape]);
};

const taskSlice = (t: tf.Tensor, task: number): tf.Tensor => tf.slice(t, task, 1);

/**
 * Adapts an exported meta-model to several tasks at once and predicts their queries: tasks
 * of the same shape are stacked on the task axis and adapted as one computation (the inner
 * loop of training), and their queries predicted as one (one by one when their sizes differ). Each task's result is the one
 * {@link adaptExport} gives it alone, up to the float rounding of the batched kernels (see
 * the serve package's batching test). A task whose input does not fit the model gets its
 * InputError and does not stop the others.
 */
export function adaptExportBatch(loaded: LoadedExport, tasks: AdaptTask[]): AdaptTaskOutcome[] {
  const { meta } = loaded;
  const io = exportIo(meta);
  const model = exportedModel(loaded);
  const outcomes: AdaptTaskOutcome[] = new Array(tasks.length);
  const prepared: Prepared[] = [];
  tasks.forEach((task, index) => {
    try {
      const { steps, lr } = resolveOptions(meta, task.options ?? {});
      const ways = checkAdaptInput(io, task.support, task.query);
      prepared.push({ index, task, steps, lr, ways });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      outcomes[index] = { ok: false, error: err };
    }
  });
  const sgd = meta.adaptation.method === 'sgd';
  tf.tidy(() => {
    const theta: TensorMap = {};
    for (const p of loaded.params) theta[p.name] = tf.tensor(p.values, p.shape);
    for (const group of groupsOf(prepared, !sgd || model.canBatch(meta.adaptation.parameters))) {
      tf.tidy(() => {
        const results = sgd ? adaptGroupSgd(model, io, meta, theta, group) : adaptGroupPrototypes(model, io, theta, group);
        group.forEach((p, i) => (outcomes[p.index] = { ok: true, result: results[i] as AdaptExportResult }));
      });
    }
  });
  return outcomes;
}

function adaptGroupSgd(model: FunctionalModel, io: ExportIo, meta: ExportMeta, theta: TensorMap, group: Prepared[]): AdaptExportResult[] {
  const first = group[0] as Prepared;
  const n = first.task.support.n;
  const sx = stackInputs(io, group.map((p) => p.task.support.x), n);
  const sy = targetTensor(io, group.map((p) => p.task.support.y), n, first.ways);
  const names = meta.adaptation.parameters;
  const { phi, losses } = sgdSteps(model, io, theta, sx, sy, { names, steps: first.steps, lr: first.lr });
  const queries = stackedQueries(io, group);
  const withPhi = { ...theta, ...phi };
  // Every query at once when they have one size (each task's rows are its own); else one by one.
  const afterAll = queries ? model.forward(withPhi, queries) : undefined;
  const beforeAll = queries && group.some((p) => p.task.query?.y) ? model.forward(theta, queries) : undefined;
  return group.map((p, t) => {
    const adapted: TensorMap = {};
    for (const name of names) adapted[name] = taskSlice(phi[name] as tf.Tensor, t);
    const out: AdaptExportResult = { method: 'sgd', steps: p.steps, lr: p.lr, supportLosses: losses.map((l) => l[t] as number), predictions: new Float32Array(0), predictionWidth: width(io, p.ways) };
    if (p.task.keepAdapted) {
      out.adapted = { method: 'sgd', params: names.map((name) => ({ name, shape: (adapted[name] as tf.Tensor).shape, values: (adapted[name] as tf.Tensor).dataSync() as Float32Array })) };
    }
    const query = p.task.query;
    if (!query) return out;
    if (afterAll) return finish(io, out, p, taskSlice(afterAll, t) as tf.Tensor3D, beforeAll ? (taskSlice(beforeAll, t) as tf.Tensor3D) : undefined);
    const qx = stackInputs(io, [query.x], query.n);
    const before = query.y ? model.forward(theta, qx) : undefined;
    return finish(io, out, p, model.forward({ ...theta, ...adapted }, qx), before);
  });
}

/** The group's query inputs stacked [T, m, ...], when every task has a query of the same size. */
function stackedQueries(io: ExportIo, group: Prepared[]): tf.Tensor | undefined {
  const m = group[0]?.task.query?.n;
  if (m === undefined || group.some((p) => p.task.query?.n !== m)) return undefined;
  return stackInputs(io, group.map((p) => (p.task.query as AdaptQuery).x), m);
}

function adaptGroupPrototypes(model: FunctionalModel, io: ExportIo, theta: TensorMap, group: Prepared[]): AdaptExportResult[] {
  const first = group[0] as Prepared;
  const n = first.task.support.n;
  const sx = stackInputs(io, group.map((p) => p.task.support.x), n);
  const sy = targetTensor(io, group.map((p) => p.task.support.y), n, first.ways);
  const embedded = model.forward(theta, sx);
  const supportLosses = taskLosses(io, prototypeLogits(embedded, sy, embedded), sy);
  const queries = stackedQueries(io, group);
  const logitsAll = queries ? prototypeLogits(embedded, sy, model.forward(theta, queries)) : undefined;
  return group.map((p, t) => {
    const own = taskSlice(embedded, t) as tf.Tensor3D;
    const oneHot = taskSlice(sy, t) as tf.Tensor3D;
    const out: AdaptExportResult = { method: 'prototypes', steps: 0, lr: p.lr, supportLosses: [supportLosses[t] as number], predictions: new Float32Array(0), predictionWidth: p.ways };
    if (p.task.keepAdapted) {
      out.adapted = { method: 'prototypes', embedded: own.dataSync() as Float32Array, embeddedShape: own.shape, oneHot: oneHot.dataSync() as Float32Array, oneHotShape: oneHot.shape };
    }
    const query = p.task.query;
    if (!query) return out;
    const after = logitsAll ? (taskSlice(logitsAll, t) as tf.Tensor3D) : prototypeLogits(own, oneHot, model.forward(theta, stackInputs(io, [query.x], query.n)));
    return finish(io, out, p, after, undefined);
  });
}

const width = (io: ExportIo, ways: number) => (io.kind === 'classification' ? ways : (io.outputs ?? 1));

/** Fills in a task's predictions, and its query loss and accuracy when its query has targets. */
function finish(io: ExportIo, out: AdaptExportResult, p: Prepared, after: tf.Tensor3D, before: tf.Tensor3D | undefined): AdaptExportResult {
  const { predictions, width: w, raw } = predictionsOf(io, after);
  out.predictions = predictions;
  out.predictionWidth = w;
  if (io.kind === 'classification') out.predictedClasses = argmaxRows(raw, w);
  const query = p.task.query;
  if (!query?.y) return out;
  const qy = targetTensor(io, [query.y], query.n, p.ways);
  out.queryLossAfter = taskLosses(io, after, qy)[0];
  if (before) out.queryLossBefore = taskLosses(io, before, qy)[0];
  if (io.kind === 'classification') {
    out.queryAccuracyAfter = accuracyOf(out.predictedClasses as Int32Array, query.y);
    if (before) out.queryAccuracyBefore = accuracyOf(argmaxRows(before.dataSync() as Float32Array, w), query.y);
  }
  return out;
}

/**
 * The inner loop of training (inner-loop.ts) one step at a time over T stacked tasks, so that
 * each task's support loss of every step can be reported. The loss differentiated is the sum
 * over tasks, whose gradient for a task's own copy is that task's gradient alone.
 * Returns the adapted parameters (task axis T) and, per step, each task's loss.
 */
function sgdSteps(
  model: FunctionalModel,
  io: ExportIo,
  theta: TensorMap,
  sx: tf.Tensor,
  sy: tf.Tensor3D,
  options: { names: string[]; steps: number; lr: number | undefined },
): { phi: TensorMap; losses: number[][] } {
  const { names } = options;
  const scale = io.target ? io.target.std ** 2 : 1;
  const perTask = (adapted: tf.Tensor[]): tf.Tensor1D => {
    const params: TensorMap = { ...theta };
    names.forEach((name, i) => (params[name] = adapted[i] as tf.Tensor));
    return perTaskLoss(io.kind, model.forward(params, sx), sy);
  };
  const losses: number[][] = [];
  const record = (values: tf.Tensor1D) => losses.push(Array.from(values.dataSync(), (v) => scale * v));
  const copies = perTaskCopies(theta, names, sx.shape[0] ?? 1);
  let phi = names.map((name) => copies[name] as tf.Tensor);
  for (let step = 0; step < options.steps; step++) {
    const next = tf.tidy(() => {
      let values: tf.Tensor1D | undefined;
      const { grads } = tf.valueAndGrads((...adapted: tf.Tensor[]) => {
        // Kept past the gradient's own tidy: each task's loss is reported, the sum differentiated.
        values = tf.keep(perTask(adapted));
        return tf.sum(values);
      })(phi);
      record(values as tf.Tensor1D);
      tf.dispose(values);
      return phi.map((p, i) => {
        const lr = options.lr === undefined ? (theta[LEARNED_LR_PREFIX + (names[i] as string)] as tf.Tensor) : tf.scalar(options.lr);
        return tf.sub(p, tf.mul(lr, grads[i] as tf.Tensor));
      });
    });
    tf.dispose(phi);
    phi = next;
  }
  record(perTask(phi));
  const adapted: TensorMap = {};
  names.forEach((name, i) => (adapted[name] = phi[i] as tf.Tensor));
  return { phi: adapted, losses };
}

/** Predicts query examples with a model adapted earlier ({@link AdaptExportResult.adapted}). */
export function predictAdapted(loaded: LoadedExport, adapted: AdaptedModel, queryX: Float32Array, m: number): Pick<AdaptExportResult, 'predictions' | 'predictionWidth' | 'predictedClasses'> {
  const io = exportIo(loaded.meta);
  if (queryX.length !== m * io.exampleSize || m < 1) throw new InputError('inputs', `${queryX.length} values for ${m} examples; the model takes ${io.exampleSize} per example (input shape [${io.inputShape.join(', ')}])`);
  const bad = queryX.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError('inputs', `example ${Math.floor(bad / io.exampleSize)} holds ${queryX[bad]}, not a finite number`);
  const model = exportedModel(loaded);
  let result: Pick<AdaptExportResult, 'predictions' | 'predictionWidth' | 'predictedClasses'> | undefined;
  tf.tidy(() => {
    const theta: TensorMap = {};
    for (const p of loaded.params) theta[p.name] = tf.tensor(p.values, p.shape);
    const qx = stackInputs(io, [queryX], m);
    let after: tf.Tensor3D;
    if (adapted.method === 'sgd') {
      const params: TensorMap = { ...theta };
      for (const p of adapted.params) params[p.name] = tf.tensor(p.values, p.shape);
      after = model.forward(params, qx);
    } else {
      after = prototypeLogits(tf.tensor3d(adapted.embedded, adapted.embeddedShape as [number, number, number]), tf.tensor3d(adapted.oneHot, adapted.oneHotShape as [number, number, number]), model.forward(theta, qx));
    }
    const { predictions, width: w, raw } = predictionsOf(io, after);
    result = { predictions, predictionWidth: w, ...(io.kind === 'classification' ? { predictedClasses: argmaxRows(raw, w) } : {}) };
  });
  return result as NonNullable<typeof result>;
}
