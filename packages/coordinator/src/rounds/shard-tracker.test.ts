import { type ParamSet, type ParamShape, planShards } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import type { ShardReport } from './shard-report';
import { ShardTracker } from './shard-tracker';

const layout: ParamShape[] = [
  { name: 'dense/kernel', shape: [2, 3] },
  { name: 'dense/bias', shape: [3] },
];
// 10 tasks in shards of 4: tasks 0..3, 4..7, 8..9.
const plan = planShards(10, 4);

function sumOf(fill: number): ParamSet {
  return layout.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(fill) }));
}

function report(shard: number, overrides: Partial<ShardReport> = {}): ShardReport {
  const s = plan[shard] ?? { start: 0, end: 1 };
  const metrics = [];
  for (let t = s.start; t < s.end; t++) metrics.push({ task: t, preLoss: 2, postLoss: 1 });
  return { kind: 'train', version: 7, shard, sum: sumOf(shard + 1), metrics, workerId: `w${shard}`, backend: 'cpu', ...overrides };
}

const tracker = (): ShardTracker => new ShardTracker({ kind: 'train', version: 7, layout, shards: plan });

describe('ShardTracker of a round', () => {
  it('collects every shard once and hands them back sorted by shard index', () => {
    const t = tracker();
    expect(t.shardCount).toBe(3);
    expect(t.missingShards()).toEqual([0, 1, 2]);
    expect(t.accept(report(2))).toBe('ACCEPTED');
    expect(t.accept(report(0, { workerId: 'a', backend: 'wasm' }))).toBe('ACCEPTED');
    expect(t.isComplete()).toBe(false);
    expect(t.missingShards()).toEqual([1]);
    expect(() => t.complete()).toThrow('round 7 is incomplete: missing shards 1');
    expect(t.accept(report(1, { workerId: 'a' }))).toBe('ACCEPTED');
    expect(t.isComplete()).toBe(true);
    expect(t.missingShards()).toEqual([]);

    const done = t.complete();
    expect(done.map((s) => s.shard)).toEqual([0, 1, 2]);
    expect(done.map((s) => s.sum[1]?.values[0])).toEqual([1, 2, 3]);
    expect(done.map((s) => [s.workerId, s.backend])).toEqual([['a', 'wasm'], ['a', 'cpu'], ['w2', 'cpu']]);
    expect(t.workers()).toEqual(['a', 'w2']);
    expect(t.backends()).toEqual(['cpu', 'wasm']);
  });

  it('answers DUPLICATE to a second report of a held shard and keeps the first result', () => {
    const t = tracker();
    expect(t.accept(report(1, { workerId: 'first' }))).toBe('ACCEPTED');
    expect(t.accept(report(1, { workerId: 'second', backend: 'wasm', sum: sumOf(99) }))).toBe('DUPLICATE');
    t.accept(report(0));
    t.accept(report(2));
    const held = t.complete()[1];
    expect(held?.workerId).toBe('first');
    expect(held?.sum[0]?.values[0]).toBe(2);
    expect(t.backends()).toEqual(['cpu']);
  });

  it('answers STALE to a closed round, whatever the report holds', () => {
    const t = tracker();
    expect(t.accept(report(0, { version: 6 }))).toBe('STALE');
    expect(t.accept(report(9, { version: 0, sum: [] }))).toBe('STALE');
    expect(t.missingShards()).toEqual([0, 1, 2]);
  });

  it.each([
    ['an evaluation report', { kind: 'eval' as const }, 'kind: a eval report, the job is collecting round 7'],
    ['a shard index past the plan', { shard: 3 }, 'shard_index: 3 is out of range (round 7 has 3 shards)'],
    ['a negative shard index', { shard: -1 }, 'shard_index: -1 is out of range'],
    ['a fractional shard index', { shard: 0.5 }, 'shard_index: 0.5 is out of range'],
    ['a missing parameter', { sum: sumOf(1).slice(0, 1) }, "sum: 1 parameters, the job's layout has 2"],
    ['a renamed parameter', { sum: [sumOf(1)[0]!, { name: 'bias', shape: [3], values: new Float32Array(3) }] }, 'sum: parameter 1 is "bias" [3], the job\'s layout has "dense/bias" [3]'],
    ['a reshaped parameter', { sum: [{ name: 'dense/kernel', shape: [3, 2], values: new Float32Array(6) }, sumOf(1)[1]!] }, 'sum: parameter 0 is "dense/kernel" [3, 2], the job\'s layout has "dense/kernel" [2, 3]'],
    ['too few values for the shape', { sum: [sumOf(1)[0]!, { name: 'dense/bias', shape: [3], values: new Float32Array(2) }] }, 'sum: parameter 1 "dense/bias" [3] has 2 values, its shape needs 3'],
    ['a task count off the plan', { metrics: [{ task: 0, preLoss: 1, postLoss: 1 }] }, 'task_metrics: 1 entries, shard 0 has 4 tasks (0..3)'],
    ['task indices off the plan', { metrics: [0, 1, 3, 2].map((task) => ({ task, preLoss: 1, postLoss: 1 })) }, 'task_metrics[2].task_index: 3, expected 2'],
    ['a NaN loss', { metrics: [0, 1, 2, 3].map((task) => ({ task, preLoss: 1, postLoss: task === 1 ? NaN : 1 })) }, 'task_metrics[1].post_loss: NaN is not finite'],
  ])('rejects %s, naming the field', (_what, overrides, reason) => {
    const t = tracker();
    const outcome = t.accept(report(0, overrides));
    expect(outcome).toEqual({ rejected: expect.stringContaining(reason) });
    expect(t.missingShards()).toEqual([0, 1, 2]);
  });

  it('rejects a round not open yet, marked as no fault of the report', () => {
    const t = tracker();
    expect(t.accept(report(0, { version: 8 }))).toEqual({ rejected: 'version: 8 is not open (the job is collecting round 7)', notOpenYet: true });
    expect(t.missingShards()).toEqual([0, 1, 2]);
  });

  it.each([NaN, Infinity, -Infinity])('rejects a sum holding %s', (bad) => {
    const t = tracker();
    const sum = sumOf(1);
    sum[1]!.values[2] = bad;
    expect(t.accept(report(1, { sum }))).toEqual({ rejected: `sum: "dense/bias" has a non-finite value (${bad}) at element 2` });
    expect(t.has(1)).toBe(false);
  });

  it('rejects a malformed report even when its shard is already held, and keeps the held one', () => {
    const t = tracker();
    expect(t.accept(report(0))).toBe('ACCEPTED');
    const sum = sumOf(5);
    sum[0]!.values[0] = NaN;
    expect(t.accept(report(0, { sum }))).toMatchObject({ rejected: expect.stringContaining('non-finite') });
    expect(t.accept(report(0))).toBe('DUPLICATE');
    t.accept(report(1));
    t.accept(report(2));
    expect(t.complete()[0]?.sum[0]?.values[0]).toBe(1);
  });

  it('is not affected by later changes to the layout or plan it was given', () => {
    const myLayout = layout.map((p) => ({ ...p, shape: [...p.shape] }));
    const myPlan = plan.map((s) => ({ ...s }));
    const t = new ShardTracker({ kind: 'train', version: 7, layout: myLayout, shards: myPlan });
    myLayout[0]!.shape[0] = 5;
    myPlan[0]!.end = 1;
    expect(t.accept(report(0))).toBe('ACCEPTED');
  });

  it('refuses a plan it cannot index by shard number', () => {
    expect(() => new ShardTracker({ kind: 'train', version: 0, layout, shards: [] })).toThrow('at least one shard');
    expect(() => new ShardTracker({ kind: 'train', version: 0, layout, shards: [plan[1]!] })).toThrow('entry 0 has index 1');
    expect(() => new ShardTracker({ kind: 'train', version: -1, layout, shards: plan })).toThrow('non-negative integer');
  });
});

const evalPlan = planShards(5, 2); // tasks 0-1, 2-3, 4
const evalReport = (shard: number, extra: Partial<ShardReport> = {}): ShardReport => {
  const p = evalPlan[shard] ?? { start: 0, end: 1 };
  const metrics = Array.from({ length: p.end - p.start }, (_, k) => ({ task: p.start + k, preLoss: 2 + p.start + k, postLoss: 1 + p.start + k }));
  return { kind: 'eval', version: 8, shard, sum: [], metrics, workerId: `w-${shard % 2}`, backend: 'wasm', ...extra };
};

describe('ShardTracker of an evaluation', () => {
  it('completes with every task in task order whatever the arrival order, first report winning', () => {
    const tracker = new ShardTracker({ kind: 'eval', version: 8, layout, shards: evalPlan });
    expect(tracker.accept(evalReport(2))).toBe('ACCEPTED');
    expect(tracker.accept(evalReport(0))).toBe('ACCEPTED');
    expect(tracker.accept(evalReport(0, { workerId: 'w-late', metrics: evalReport(0).metrics.map((m) => ({ ...m, postLoss: 99 })) }))).toBe('DUPLICATE');
    expect(tracker.isComplete()).toBe(false);
    expect(tracker.missingShards()).toEqual([1]);
    expect(() => tracker.complete()).toThrow('the evaluation of version 8 is incomplete: missing shards 1');
    expect(tracker.accept(evalReport(1))).toBe('ACCEPTED');
    expect(tracker.complete().flatMap((s) => s.metrics).map((m) => [m.task, m.postLoss])).toEqual([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
    expect(tracker.workers()).toEqual(['w-0', 'w-1']);
    expect(tracker.backends()).toEqual(['wasm']);
  });

  it('answers an older version STALE and rejects what does not fit, naming the field', () => {
    const tracker = new ShardTracker({ kind: 'eval', version: 8, layout, shards: evalPlan });
    expect(tracker.accept(evalReport(0, { version: 4 }))).toBe('STALE');
    expect(tracker.accept(evalReport(0, { version: 12 }))).toEqual({ rejected: 'version: 12 is not being evaluated (the job is evaluating version 8)', notOpenYet: true });
    expect(tracker.accept(evalReport(3))).toEqual({ rejected: 'shard_index: 3 is out of range (the evaluation of version 8 has 3 shards)' });
    expect(tracker.accept(evalReport(1, { metrics: evalReport(1).metrics.slice(1) }))).toEqual({ rejected: 'task_metrics: 1 entries, shard 1 has 2 tasks (2..3)' });
    expect(tracker.accept(evalReport(1, { metrics: evalReport(1).metrics.map((m) => ({ ...m, postLoss: Number.NaN })) }))).toEqual({ rejected: 'task_metrics[0].post_loss: NaN is not finite' });
    expect(tracker.missingShards()).toEqual([0, 1, 2]);
  });
});
