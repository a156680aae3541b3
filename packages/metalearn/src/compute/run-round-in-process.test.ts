import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../testing/tf-setup';
import { createComputeContext } from './compute-shard';
import { runRoundInProcess } from './run-round-in-process';
import { adaptationFor } from '../eval/adaptation-for';
import { evaluateHeldOut } from '../eval/held-out';
import { type Algorithm, createSinusoidFamily, initialState, type JobSpec, type MetaState, paramsEqual, type TaskFamily } from '@metatrain/core';
import { blobsFamily, testSpec } from '@metatrain/core/testing';

beforeAll(() => useTestBackend());

function train(spec: JobSpec, family: TaskFamily, rounds: number): { state: MetaState; losses: number[] } {
  const ctx = createComputeContext(spec, family);
  let state = initialState(ctx);
  const losses: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const out = runRoundInProcess(ctx, state);
    state = out.state;
    losses.push(out.summary.postLoss);
  }
  return { state, losses };
}

const sinusoid = (spec: JobSpec) => createSinusoidFamily(spec.tasks as never);

describe('in-process training', () => {
  it('is a pure function of the spec: two runs give identical bits', () => {
    const spec = testSpec();
    const a = train(spec, sinusoid(spec), 5).state;
    const b = train(spec, sinusoid(spec), 5).state;
    expect(paramsEqual(a.params, b.params)).toBe(true);
    expect(paramsEqual(a.optimizer.slots, b.optimizer.slots)).toBe(true);
  });

  it('depends on the block size only through float32 summation order, and not at all on the shard size', () => {
    const run = (blockSize: number, shardSize: number | 'auto' = 'auto') => {
      const spec = testSpec({ blockSize, shardSize });
      return train(spec, sinusoid(spec), 5).state.params;
    };
    const [one, four, eight] = [run(1), run(4), run(8)];
    // Batched and per-block sums round differently: the bits may differ, the values barely.
    for (const other of [four, eight]) {
      one.forEach((p, i) => p.values.forEach((v, k) => expect(Math.abs(v - (other[i]?.values[k] ?? NaN))).toBeLessThan(1e-4)));
    }
    expect(paramsEqual(run(4, 1), four)).toBe(true);
  });

  it('leaks no tensors across rounds, for every algorithm', () => {
    const algorithms: Algorithm[] = ['maml', 'fomaml', 'metasgd', 'anil', 'reptile', 'pretrain', 'protonet'];
    for (const algorithm of algorithms) {
      const classification = algorithm === 'protonet';
      const spec = testSpec({
        algorithm,
        ...(classification ? { tasks: { family: 'csv', path: 'unused.csv', taskColumn: 't', target: 'y', kind: 'classification', shots: 2 } } : {}),
      });
      const family = classification ? blobsFamily() : sinusoid(spec);
      train(spec, family, 1);
      const before = tf.memory().numTensors;
      train(spec, family, 3);
      expect(tf.memory().numTensors, algorithm).toBe(before);
    }
  });
});

/** Held-out query loss (and accuracy) after adaptation, on the same 200 tasks each time. */
function heldOut(spec: JobSpec, family: TaskFamily, state: MetaState) {
  const ctx = createComputeContext(spec, family);
  const report = evaluateHeldOut({
    model: ctx.model,
    family,
    params: state.params,
    adaptation: adaptationFor(ctx),
    tasks: 200,
    seed: 0,
    stream: 0,
  });
  return { loss: report.after.loss.mean, accuracy: report.after.accuracy?.mean ?? NaN };
}

describe('each algorithm learns on a small problem', () => {
  const regression: Array<[Algorithm, Partial<Parameters<typeof testSpec>[0]>]> = [
    ['maml', {}],
    ['fomaml', {}],
    ['metasgd', {}],
    ['anil', {}],
    ['reptile', { inner: { steps: 5, lr: 0.02 }, outer: { optimizer: 'sgd', lr: 1, metaBatchSize: 8, iterations: 300, anneal: 'linear' } }],
    ['pretrain', {}],
  ];
  it.each(regression)('%s lowers the held-out sinusoid loss after adaptation', (algorithm, overrides) => {
    const spec = testSpec({ algorithm, inner: { steps: 1, lr: 0.02 }, outer: { lr: 0.01, metaBatchSize: 8, iterations: 300 }, ...overrides });
    const family = sinusoid(spec);
    const ctx = createComputeContext(spec, family);
    const before = heldOut(spec, family, initialState(ctx));
    const after = heldOut(spec, family, train(spec, family, spec.outer.iterations).state);
    expect(after.loss).toBeLessThan(0.8 * before.loss);
  });

  it.each(['protonet', 'maml', 'fomaml', 'anil', 'reptile'] as Algorithm[])('%s classifies held-out blobs after adaptation', (algorithm) => {
    const spec = testSpec({
      algorithm,
      tasks: { family: 'csv', path: 'unused.csv', taskColumn: 't', target: 'y', kind: 'classification', shots: 2 },
      inner: { steps: 2, lr: 0.5 },
      outer: algorithm === 'reptile' ? { optimizer: 'sgd', lr: 0.5, metaBatchSize: 8, iterations: 150 } : { lr: 0.01, metaBatchSize: 8, iterations: 150 },
    });
    const family = blobsFamily();
    const after = heldOut(spec, family, train(spec, family, spec.outer.iterations).state);
    // chance is 1/3
    expect(after.accuracy).toBeGreaterThan(0.75);
  });
});
