import type { ExportMeta } from '../export/export-meta';
import { type Examples, InputError } from '@metatrain/core';

/** Query examples to predict; targets are optional (without them there is no query loss). */
export interface AdaptQuery {
  /** m × input shape, flattened */
  x: Float32Array;
  /** regression: m × outputs targets; classification: m labels */
  y?: Float32Array | Int32Array;
  n: number;
}

/** What the model was trained on, read from meta.json: shapes, kind, and how raw values were transformed. */
export interface ExportIo {
  kind: 'regression' | 'classification';
  inputShape: number[];
  exampleSize: number;
  /** regression: target width; SGD classification: the head's classes; ProtoNets: undefined (any number of classes) */
  outputs: number | undefined;
  /** csv families trained with `normalize`: x' = (x − mean) / std per feature */
  features?: { mean: number[]; std: number[] };
  /** csv regression with `normalize`: y' = (y − mean) / std */
  target?: { mean: number; std: number };
}

function numbers(value: unknown, length: number): number[] | undefined {
  return Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (value as number[]) : undefined;
}

/** The input/output facts of an export that adaptation needs. */
export function exportIo(meta: ExportMeta): ExportIo {
  const exampleSize = meta.input.shape.reduce((a, b) => a * b, 1);
  const pre = meta.input.preprocessing;
  const featureMean = numbers(pre.featureMean, exampleSize);
  const featureStd = numbers(pre.featureStd, exampleSize);
  const io: ExportIo = {
    kind: meta.task.kind,
    inputShape: [...meta.input.shape],
    exampleSize,
    outputs: meta.adaptation.method === 'prototypes' ? undefined : meta.output.size,
  };
  if (featureMean && featureStd) io.features = { mean: featureMean, std: featureStd.map((s) => s || 1) };
  if (meta.task.kind === 'regression' && typeof pre.targetMean === 'number' && typeof pre.targetStd === 'number') {
    io.target = { mean: pre.targetMean, std: pre.targetStd || 1 };
  }
  return io;
}

function checkCount(field: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new InputError(field, `needs at least one example, got ${n}`);
}

function checkInputs(field: string, x: Float32Array, n: number, io: ExportIo): void {
  if (x.length !== n * io.exampleSize) {
    throw new InputError(field, `${x.length} values for ${n} examples; the model takes ${io.exampleSize} per example (input shape [${io.inputShape.join(', ')}])`);
  }
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(field, `example ${Math.floor(bad / io.exampleSize)} holds ${x[bad]}, not a finite number`);
}

/** Class labels checked against `ways`; returns the number of classes. */
function checkLabels(field: string, y: Float32Array | Int32Array, n: number, ways: number | undefined): number {
  if (y.length !== n) throw new InputError(field, `${y.length} class labels for ${n} examples`);
  let classes = 0;
  y.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0) throw new InputError(field, `example ${i}: class ${label} is not a class index (0, 1, 2, …)`);
    if (ways !== undefined && label >= ways) throw new InputError(field, `example ${i}: class ${label} is out of range; the model has ${ways} classes (0 to ${ways - 1})`);
    classes = Math.max(classes, label + 1);
  });
  return ways ?? classes;
}

function checkTargets(field: string, y: Float32Array | Int32Array, n: number, outputs: number): void {
  if (y.length !== n * outputs) throw new InputError(field, `${y.length} target values for ${n} examples; the model predicts ${outputs} per example`);
  const bad = y.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(field, `example ${Math.floor(bad / outputs)} has target ${y[bad]}, not a finite number`);
}

/**
 * Checks support and query against the export and returns the number of classes
 * (classification) — for ProtoNets, the classes the support set holds, each of which must
 * have at least one example.
 * @throws InputError naming `support.inputs`, `support.targets`, `query.inputs` or `query.targets`
 */
export function checkAdaptInput(io: ExportIo, support: Examples, query: AdaptQuery | undefined): number {
  checkCount('support', support.n);
  checkInputs('support.inputs', support.x, support.n, io);
  let ways = 0;
  if (io.kind === 'classification') {
    ways = checkLabels('support.targets', support.y, support.n, io.outputs);
    if (io.outputs === undefined) {
      const seen = new Set(support.y);
      for (let c = 0; c < ways; c++) if (!seen.has(c)) throw new InputError('support.targets', `class ${c} has no example (classes are 0 to ${ways - 1}, each needs one to form its prototype)`);
    }
  } else {
    checkTargets('support.targets', support.y, support.n, io.outputs ?? 1);
  }
  if (!query) return ways;
  checkCount('query', query.n);
  checkInputs('query.inputs', query.x, query.n, io);
  if (query.y) {
    if (io.kind === 'classification') checkLabels('query.targets', query.y, query.n, ways);
    else checkTargets('query.targets', query.y, query.n, io.outputs ?? 1);
  }
  return ways;
}

/** Raw inputs as the model saw them in training (csv: standardised features). */
export function modelInputs(io: ExportIo, x: Float32Array): Float32Array {
  const f = io.features;
  if (!f) return x;
  return x.map((v, i) => (v - (f.mean[i % io.exampleSize] as number)) / (f.std[i % io.exampleSize] as number));
}

/** Raw regression targets in the model's units (csv: standardised). */
export function modelTargets(io: ExportIo, y: Float32Array | Int32Array): Float32Array | Int32Array {
  const t = io.target;
  if (io.kind !== 'regression' || !t) return y;
  return Float32Array.from(y, (v) => (v - t.mean) / t.std);
}
