import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createComputeContext } from '../compute/compute-shard';
import { useTestBackend } from '../testing/tf-setup';
import { batchGradient } from './batch-gradient';
import { stackTasks, disposeBatch } from './task-batch';
import { createSinusoidFamily, initialMetaParams, type ParamSet, sampleTask } from '@metatrain/core';
import { testSpec } from '@metatrain/core/testing';

beforeAll(() => useTestBackend('cpu'));

/**
 * Finite differences of the MAML objective Σ_t L_query(θ − α∇L_support(θ)) on a tiny tanh
 * MLP; the analytic gradient must match, and must NOT match the first-order approximation
 * (so the test fails if the inner loop were silently treated as constant).
 */
describe('second-order MAML gradient', () => {
  const spec = (firstOrder: boolean) =>
    testSpec({ model: { kind: 'mlp', hidden: [4], activation: 'tanh' }, inner: { steps: 2, lr: 0.05, firstOrder }, outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 }, blockSize: 2 });

  function gradientAndObjective(firstOrder: boolean) {
    const s = spec(firstOrder);
    const ctx = createComputeContext(s, createSinusoidFamily(s.tasks as never));
    const names = ctx.layout.map((p) => p.name);
    const batchCtx = { model: ctx.model, kind: ctx.family.kind, config: ctx.config, names };
    const tasks = [sampleTask(ctx, 0, 0), sampleTask(ctx, 0, 1)];
    const run = (params: ParamSet) => {
      const batch = stackTasks(tasks, ctx.family);
      const tensors = params.map((p) => tf.tensor(p.values, p.shape));
      try {
        return batchGradient(batchCtx, tensors, batch);
      } finally {
        disposeBatch(batch);
        tf.dispose(tensors);
      }
    };
    const objective = (params: ParamSet) => run(params).metrics.reduce((a, m) => a + m.postLoss, 0);
    return { params: initialMetaParams(ctx), run, objective };
  }

  it('matches central finite differences', () => {
    const { params, run, objective } = gradientAndObjective(false);
    const analytic = run(params).sum;
    const firstOrder = gradientAndObjective(true).run(params).sum;
    const h = 3e-3;
    let checked = 0;
    let errSecond = 0;
    let errFirst = 0;
    let norm = 0;
    params.forEach((p, i) => {
      for (let k = 0; k < p.values.length; k++) {
        const plus = params.map((q) => ({ ...q, values: new Float32Array(q.values) }));
        const minus = params.map((q) => ({ ...q, values: new Float32Array(q.values) }));
        (plus[i] as ParamSet[number]).values[k] = (p.values[k] as number) + h;
        (minus[i] as ParamSet[number]).values[k] = (p.values[k] as number) - h;
        const numeric = (objective(plus) - objective(minus)) / (2 * h);
        errSecond += (numeric - (analytic[i]?.[k] ?? NaN)) ** 2;
        errFirst += (numeric - (firstOrder[i]?.[k] ?? NaN)) ** 2;
        norm += numeric ** 2;
        checked++;
      }
    });
    expect(checked).toBe(4 + 4 + 4 + 1);
    const relSecond = Math.sqrt(errSecond / norm);
    const relFirst = Math.sqrt(errFirst / norm);
    expect(relSecond).toBeLessThan(0.02);
    expect(relFirst).toBeGreaterThan(5 * relSecond);
  });
});
