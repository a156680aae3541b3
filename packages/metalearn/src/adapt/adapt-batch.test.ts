import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createComputeContext } from '../compute/compute-shard';
import { runRoundInProcess } from '../compute/run-round-in-process';
import { exportModel } from '../export/export-model';
import { type LoadedExport, readExport } from '../export/read-export';
import { useTestBackend } from '../testing/tf-setup';
import { adaptExport } from '../eval/adapt-export';
import { adaptExportBatch, predictAdapted } from './adapt-batch';
import type { AdaptTask } from './adapt-types';
import { createTaskFamily, initialState, InputError, type JobSpec, Rng, sampleSinusoid } from '@metatrain/core';
import { OMNIGLOT_ZIPS, testSpec } from '@metatrain/core/testing';

async function trainedExport(spec: JobSpec, rounds: number): Promise<LoadedExport> {
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
  let state = initialState(ctx);
  for (let r = 0; r < rounds; r++) state = runRoundInProcess(ctx, state).state;
  const files = await exportModel(ctx, state.params, { rounds, backend: 'wasm' });
  const file = (name: string) => files.get(name) as Uint8Array;
  return readExport({ modelJson: file('model.json'), weightsBin: file('weights.bin'), metaJson: file('meta.json') });
}

const sineTask = (i: number): AdaptTask => {
  const t = sampleSinusoid(new Rng([5, 1, i]), 5, 7);
  return { support: t.support, query: t.query, options: { steps: 3 } };
};

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

let sine: LoadedExport;
let protonet: LoadedExport;
beforeAll(async () => {
  await useTestBackend();
  sine = await trainedExport(testSpec({ inner: { steps: 1, lr: 0.02 } }), 3);
  protonet = await trainedExport(
    testSpec({ algorithm: 'protonet', model: { kind: 'conv4', channels: 4 }, tasks: { family: 'omniglot', path: OMNIGLOT_ZIPS.small1, ways: 3, shots: 1, queryShots: 1 } }),
    1,
  );
});

describe('adaptExportBatch', () => {
  it('gives each of many sinusoid tasks, adapted together, the bits it gets alone', () => {
    const tasks = Array.from({ length: 12 }, (_, i) => sineTask(i));
    const before = tf.memory().numTensors;
    const batched = adaptExportBatch(sine, tasks);
    expect(tf.memory().numTensors).toBe(before);
    tasks.forEach((task, i) => {
      const alone = adaptExport(sine, task.support, task.query, task.options);
      const together = batched[i];
      if (!together?.ok) throw new Error('expected a result');
      expect(bits(together.result.predictions)).toEqual(bits(alone.predictions));
      expect(together.result.supportLosses).toEqual(alone.supportLosses);
      expect(together.result.queryLossAfter).toBe(alone.queryLossAfter);
    });
    expect(new Set(batched.map((o) => (o.ok ? o.result.predictions[0] : 0))).size).toBe(12);
  });

  it('answers a task that does not fit with its InputError and the others normally', () => {
    const good = sineTask(1);
    const bad: AdaptTask = { support: { ...good.support, x: new Float32Array([Number.NaN, 1, 2, 3, 4]) } };
    const [a, b] = adaptExportBatch(sine, [bad, good]);
    expect(a?.ok).toBe(false);
    expect(!a?.ok && a?.error).toBeInstanceOf(InputError);
    expect(!a?.ok && a?.error.message).toBe('support.inputs: example 0 holds NaN, not a finite number');
    expect(b?.ok).toBe(true);
  });

  it('adapts ProtoNets tasks together, each as alone, and keeps the adapted model to predict later', () => {
    const rng = (i: number) => Array.from({ length: 3 * 784 }, (_, k) => ((k * 7 + i * 13) % 17) / 17);
    const tasks: AdaptTask[] = [0, 1, 2].map((i) => ({
      support: { x: Float32Array.from(rng(i)), y: new Int32Array([0, 1, 2]), n: 3 },
      query: { x: Float32Array.from(rng(i + 5)), n: 3 },
      keepAdapted: true,
    }));
    const batched = adaptExportBatch(protonet, tasks);
    tasks.forEach((task, i) => {
      const alone = adaptExport(protonet, task.support, task.query);
      const together = batched[i];
      if (!together?.ok || !together.result.adapted) throw new Error('expected a result with its adapted model');
      expect(bits(together.result.predictions)).toEqual(bits(alone.predictions));
      const later = predictAdapted(protonet, together.result.adapted, (task.query as { x: Float32Array }).x, 3);
      expect(bits(later.predictions)).toEqual(bits(alone.predictions));
    });
  });

  it('predicts with a kept SGD adaptation exactly what adapting with the query predicts', () => {
    const task = { ...sineTask(4), keepAdapted: true };
    const [outcome] = adaptExportBatch(sine, [task]);
    if (!outcome?.ok || !outcome.result.adapted) throw new Error('expected an adapted model');
    const later = predictAdapted(sine, outcome.result.adapted, (task.query as { x: Float32Array }).x, 7);
    expect(bits(later.predictions)).toEqual(bits(outcome.result.predictions));
    expect(() => predictAdapted(sine, outcome.result.adapted as never, new Float32Array([1, Number.POSITIVE_INFINITY]), 2)).toThrow('inputs: example 1 holds Infinity, not a finite number');
  });
});
