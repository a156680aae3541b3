import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createComputeContext, type ComputeContext } from '../compute/compute-shard';
import { runRoundInProcess } from '../compute/run-round-in-process';
import { exportModel } from '../export/export-model';
import { type LoadedExport, readExport } from '../export/read-export';
import { useTestBackend } from '../testing/tf-setup';
import { adaptExport } from './adapt-export';
import { adaptationFor } from './adaptation-for';
import { adaptAndPredict } from './evaluate-tasks';
import { createSinusoidFamily, createTaskFamily, initialState, InputError, type JobSpec, Rng, sampleSinusoid, type Task, type TaskFamily } from '@metatrain/core';
import { blobsFamily, OMNIGLOT_ZIPS, testSpec } from '@metatrain/core/testing';

/** Trains `rounds` rounds in process and reads the export back, as `metatrain adapt` would. */
async function trainedExport(spec: JobSpec, family: TaskFamily, rounds: number): Promise<{ ctx: ComputeContext; loaded: LoadedExport }> {
  const ctx = createComputeContext(spec, family);
  let state = initialState(ctx);
  for (let r = 0; r < rounds; r++) state = runRoundInProcess(ctx, state).state;
  const files = await exportModel(ctx, state.params, { rounds, backend: 'wasm' });
  const file = (name: string) => files.get(name) as Uint8Array;
  return { ctx, loaded: readExport({ modelJson: file('model.json'), weightsBin: file('weights.bin'), metaJson: file('meta.json') }) };
}

/** Unseen sinusoid tasks: a stream no training round uses. */
const sinusoidTask = (i: number, shots = 5, queryShots = 20) => sampleSinusoid(new Rng([99, 7, i]), shots, queryShots);

const sinusoidSpec = testSpec({ inner: { steps: 1, lr: 0.02 }, outer: { lr: 0.01, metaBatchSize: 8, iterations: 200 } });
let sinusoid: { ctx: ComputeContext; loaded: LoadedExport };

beforeAll(async () => {
  await useTestBackend();
  sinusoid = await trainedExport(sinusoidSpec, createSinusoidFamily(sinusoidSpec.tasks as never), sinusoidSpec.outer.iterations);
});

describe('adaptExport on a trained sinusoid MAML export', () => {
  it('lowers the support loss and the query loss of unseen tasks', () => {
    const results = Array.from({ length: 10 }, (_, i) => {
      const task = sinusoidTask(i);
      return adaptExport(sinusoid.loaded, task.support, task.query, { steps: 5 });
    });
    for (const r of results) {
      expect(r.supportLosses).toHaveLength(6);
      expect(r.steps).toBe(5);
      expect(r.supportLosses[5]).toBeLessThan(r.supportLosses[0] as number);
      expect(r.predictions).toHaveLength(20);
      expect(r.predictionWidth).toBe(1);
    }
    const mean = (pick: (r: (typeof results)[number]) => number) => results.reduce((a, r) => a + pick(r), 0) / results.length;
    expect(mean((r) => (r.supportLosses[5] as number) / (r.supportLosses[0] as number))).toBeLessThan(0.5);
    expect(mean((r) => r.queryLossAfter as number)).toBeLessThan(mean((r) => r.queryLossBefore as number));
  });

  it('predicts what the evaluation machinery predicts for the same adaptation', () => {
    const task = sinusoidTask(3);
    const ours = adaptExport(sinusoid.loaded, task.support, task.query);
    const [reference] = adaptAndPredict(sinusoid.ctx.model, sinusoid.ctx.family, sinusoid.loaded.params, adaptationFor(sinusoid.ctx), [task]);
    expect(ours.steps).toBe(1);
    expect(ours.lr).toBe(0.02);
    Array.from(ours.predictions).forEach((v, i) => expect(v).toBeCloseTo(reference?.after[i] as number, 5));
    expect(ours.queryLossBefore).toBeCloseTo(reference?.beforeLoss as number, 5);
    expect(ours.queryLossAfter).toBeCloseTo(reference?.afterLoss as number, 5);
  });

  it('predicts a query without targets, and with 0 steps predicts with the meta-parameters', () => {
    const task = sinusoidTask(4);
    const adapted = adaptExport(sinusoid.loaded, task.support, { x: task.query.x, n: task.query.n }, { steps: 3, lr: 0.05 });
    expect(adapted.queryLossAfter).toBeUndefined();
    expect(adapted.lr).toBe(0.05);
    const unadapted = adaptExport(sinusoid.loaded, task.support, task.query, { steps: 0 });
    expect(unadapted.supportLosses).toHaveLength(1);
    expect(unadapted.queryLossAfter).toBe(unadapted.queryLossBefore);
    expect(adapted.predictions).not.toEqual(unadapted.predictions);
  });

  it('applies and undoes the normalisation a csv export records', () => {
    const task = sinusoidTask(5);
    const meta = { ...sinusoid.loaded.meta, input: { ...sinusoid.loaded.meta.input, preprocessing: { featureMean: [1], featureStd: [2], targetMean: 3, targetStd: 4 } } };
    const normalized = adaptExport(sinusoid.loaded, task.support, task.query, { steps: 2 });
    const raw = (side: Task['support']) => ({ n: side.n, x: side.x.map((v) => v * 2 + 1), y: side.y.map((v) => v * 4 + 3) });
    const inDataUnits = adaptExport({ ...sinusoid.loaded, meta }, raw(task.support), raw(task.query), { steps: 2 });
    inDataUnits.predictions.forEach((v, i) => expect(v).toBeCloseTo((normalized.predictions[i] as number) * 4 + 3, 3));
    inDataUnits.supportLosses.forEach((v, i) => expect(v / 16).toBeCloseTo(normalized.supportLosses[i] as number, 4));
    expect((inDataUnits.queryLossAfter as number) / 16).toBeCloseTo(normalized.queryLossAfter as number, 4);
  });

  it('leaks no tensors', () => {
    const task = sinusoidTask(6);
    adaptExport(sinusoid.loaded, task.support, task.query, { steps: 2 });
    const before = tf.memory().numTensors;
    adaptExport(sinusoid.loaded, task.support, task.query, { steps: 4 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('adaptExport input checks', () => {
  const task = sinusoidTask(0);

  it.each([
    ['support.inputs', () => adaptExport(sinusoid.loaded, { ...task.support, x: new Float32Array(4) }, undefined), /4 values for 5 examples; the model takes 1 per example \(input shape \[1\]\)/],
    ['support.targets', () => adaptExport(sinusoid.loaded, { ...task.support, y: new Float32Array(3) }, undefined), /3 target values for 5 examples/],
    ['support', () => adaptExport(sinusoid.loaded, { x: new Float32Array(0), y: new Float32Array(0), n: 0 }, undefined), /at least one example/],
    ['query.inputs', () => adaptExport(sinusoid.loaded, task.support, { x: new Float32Array([1, Number.NaN]), n: 2 }), /example 1 holds NaN/],
    ['query.targets', () => adaptExport(sinusoid.loaded, task.support, { x: new Float32Array(2), y: new Float32Array(1), n: 2 }), /1 target values for 2 examples/],
    ['steps', () => adaptExport(sinusoid.loaded, task.support, undefined, { steps: -1 }), /integer from 0 to 100,/],
    ['lr', () => adaptExport(sinusoid.loaded, task.support, undefined, { lr: 0 }), /positive number/],
  ])('names %s', (field, fn, message) => {
    const err = inputError(fn);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });
});

describe('adaptExport on classification exports', () => {
  const blobs = blobsFamily();
  const blobTask = (i: number) => blobs.sample(new Rng([98, 7, i]), 'test');
  const blobSpec = (algorithm: 'maml' | 'protonet') =>
    testSpec({
      algorithm,
      tasks: { family: 'csv', path: 'unused.csv', taskColumn: 't', target: 'y', kind: 'classification', shots: 2 },
      inner: { steps: 2, lr: 0.5 },
      outer: { lr: 0.01, metaBatchSize: 8, iterations: 100 },
    });

  it('classifies with prototypes (ProtoNets), labels checked against the support classes', async () => {
    const { loaded } = await trainedExport(blobSpec('protonet'), blobs, 100);
    const accuracies = Array.from({ length: 10 }, (_, i) => {
      const task = blobTask(i);
      const r = adaptExport(loaded, task.support, task.query);
      expect(r).toMatchObject({ method: 'prototypes', steps: 0, predictionWidth: 3 });
      expect(r.supportLosses).toHaveLength(1);
      expect(r.queryLossBefore).toBeUndefined();
      expect(r.predictedClasses).toHaveLength(task.query.n);
      return r.queryAccuracyAfter as number;
    });
    expect(accuracies.reduce((a, b) => a + b, 0) / accuracies.length).toBeGreaterThan(0.75);
    const task = blobTask(0);
    const gap = inputError(() => adaptExport(loaded, { ...task.support, y: task.support.y.map((c) => (c === 1 ? 2 : c)) }, undefined));
    expect(gap.message).toBe('support.targets: class 1 has no example (classes are 0 to 2, each needs one to form its prototype)');
    const unknown = inputError(() => adaptExport(loaded, task.support, { ...task.query, y: task.query.y.map(() => 3) }));
    expect(unknown.message).toMatch(/^query\.targets: example 0: class 3 is out of range; the model has 3 classes/);
  });

  it('adapts a MAML classifier: accuracy after adaptation, labels checked against its head', async () => {
    const { loaded } = await trainedExport(blobSpec('maml'), blobs, 100);
    const task = blobTask(1);
    const r = adaptExport(loaded, task.support, task.query);
    expect(r.supportLosses).toHaveLength(3);
    expect(r.supportLosses[2]).toBeLessThan(r.supportLosses[0] as number);
    expect(r.queryAccuracyAfter).toBeGreaterThanOrEqual(0);
    expect(r.queryAccuracyBefore).toBeDefined();
    const fractional = inputError(() => adaptExport(loaded, { ...task.support, y: Float32Array.from(task.support.y, (c, i) => (i === 2 ? 1.5 : c)) }, undefined));
    expect(fractional.message).toBe('support.targets: example 2: class 1.5 is not a class index (0, 1, 2, …)');
  });
});

describe('adaptExport on a conv4 export', () => {
  it('adapts image inputs [28, 28, 1] with task batch statistics', async () => {
    const spec = testSpec({ model: { kind: 'conv4', channels: 4 }, tasks: { family: 'omniglot', path: OMNIGLOT_ZIPS.small1, ways: 5, shots: 1, queryShots: 2 }, inner: { steps: 1, lr: 0.4 } });
    const family = createTaskFamily(spec.tasks);
    const { loaded } = await trainedExport(spec, family, 2);
    const task = family.sample(new Rng([97, 7, 0]), 'test');
    const r = adaptExport(loaded, task.support, task.query, { steps: 2 });
    expect(r.predictionWidth).toBe(5);
    expect(r.predictions).toHaveLength(10 * 5);
    expect(r.supportLosses[2]).toBeLessThan(r.supportLosses[0] as number);
    expect(r.queryAccuracyAfter).toBeGreaterThanOrEqual(0);
  });
});
