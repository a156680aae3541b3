import { stackBlockSums } from '@metatrain/contract';
import { type ParamSet, type ParamShape, planBlocks } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import type { ShardReport } from './shard-report';
import { ShardTracker } from './shard-tracker';

const layout: ParamShape[] = [
  { name: 'dense/kernel', shape: [2, 3] },
  { name: 'dense/bias', shape: [3] },
];
// 10 tasks in blocks of 3: tasks 0..2, 3..5, 6..8, 9.
const plan = planBlocks(10, 3);

/** A block's sum in the job's layout, every value `fill`. */
function sumOf(fill: number): ParamSet {
  return layout.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(fill) }));
}

/** A report of blocks first..first+count-1 whose block b sums to b + 1 (+ `offset`). */
function report(first: number, count = 1, overrides: Partial<ShardReport> = {}, offset = 0): ShardReport {
  const blocks = plan.slice(first, first + count);
  const metrics = [];
  for (let t = blocks[0]?.start ?? 0; t < (blocks.at(-1)?.end ?? 1); t++) metrics.push({ task: t, preLoss: 2, postLoss: 1 + t });
  const sum = stackBlockSums(blocks.length > 0 ? blocks.map((b) => sumOf(b.index + 1 + offset)) : [sumOf(1)]);
  return { kind: 'train', version: 7, firstBlock: first, blockCount: count, sum, metrics, workerId: `w${first}`, backend: 'cpu', computeMs: 5, ...overrides };
}

const tracker = (): ShardTracker => new ShardTracker({ kind: 'train', version: 7, layout, blocks: plan });
const firstValues = (t: ShardTracker) => t.complete().map((b) => b.sum[1]?.values[0]);

describe('ShardTracker of a round', () => {
  it('collects blocks from shards of any size and hands them back in block order', () => {
    const t = tracker();
    expect(t.blockCount).toBe(4);
    expect(t.missingBlocks()).toEqual([0, 1, 2, 3]);
    expect(t.accept(report(2, 2))).toBe('ACCEPTED');
    expect(t.accept(report(0, 1, { workerId: 'a', backend: 'wasm' }))).toBe('ACCEPTED');
    expect(t.isComplete()).toBe(false);
    expect(t.missingBlocks()).toEqual([1]);
    expect(() => t.complete()).toThrow('round 7 is incomplete: missing blocks 1');
    expect(t.accept(report(1, 1, { workerId: 'a' }))).toBe('ACCEPTED');
    expect(t.isComplete()).toBe(true);

    const done = t.complete();
    expect(done.map((b) => b.block)).toEqual([0, 1, 2, 3]);
    expect(firstValues(t)).toEqual([1, 2, 3, 4]);
    expect(done.map((b) => b.sum[0]?.shape)).toEqual([[2, 3], [2, 3], [2, 3], [2, 3]]);
    expect(done.map((b) => b.metrics.map((m) => m.task))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(done.map((b) => [b.workerId, b.backend])).toEqual([['a', 'wasm'], ['a', 'cpu'], ['w2', 'cpu'], ['w2', 'cpu']]);
    expect(t.workers()).toEqual(['a', 'w2']);
    expect(t.backends()).toEqual(['cpu', 'wasm']);
  });

  it('keeps the first result of each block: a partly held shard adds only its new blocks, a wholly held one is DUPLICATE', () => {
    const t = tracker();
    expect(t.accept(report(1, 2, { workerId: 'first' }))).toBe('ACCEPTED');
    // Blocks 0..2 from another grouping (a successor's plan, say): only block 0 is new.
    expect(t.accept(report(0, 3, { workerId: 'second', backend: 'wasm' }, 100))).toBe('ACCEPTED');
    expect(t.missingBlocks()).toEqual([3]);
    expect(t.accept(report(1, 1, { workerId: 'late' }, 200))).toBe('DUPLICATE');
    expect(t.accept(report(0, 3, { workerId: 'late' }, 200))).toBe('DUPLICATE');
    expect(t.accept(report(2, 2, { workerId: 'last' }, 300))).toBe('ACCEPTED');
    expect(firstValues(t)).toEqual([101, 2, 3, 304]);
    expect(t.complete().map((b) => b.workerId)).toEqual(['second', 'first', 'first', 'last']);
    expect(t.backends()).toEqual(['cpu', 'wasm']);
  });

  it('answers STALE to a closed round, whatever the report holds', () => {
    const t = tracker();
    expect(t.accept(report(0, 1, { version: 6 }))).toBe('STALE');
    expect(t.accept(report(9, 3, { version: 0, sum: [] }))).toBe('STALE');
    expect(t.missingBlocks()).toEqual([0, 1, 2, 3]);
  });

  it.each([
    ['an evaluation report', { kind: 'eval' as const }, 'kind: a eval report, the job is collecting round 7'],
    ['a range past the plan', { firstBlock: 3, blockCount: 2 }, 'first_block, block_count: blocks 3..4 are outside the 4 blocks (0..3) of round 7'],
    ['a first block past the plan', { firstBlock: 4 }, 'first_block, block_count: blocks 4..4 are outside the 4 blocks (0..3) of round 7'],
    ['a negative first block', { firstBlock: -1 }, 'first_block: -1 is not a block index of round 7'],
    ['a fractional first block', { firstBlock: 0.5 }, 'first_block: 0.5 is not a block index'],
    ['no blocks', { blockCount: 0 }, 'block_count: 0; a shard has at least one block of round 7'],
    ['fewer sums than blocks', { blockCount: 2 }, 'sum: parameter 0 is "dense/kernel" [1, 2, 3], expected "dense/kernel" [2, 2, 3]: block_count (2) sums of the job\'s "dense/kernel" [2, 3]'],
    ['a missing parameter', { sum: stackBlockSums([sumOf(1)]).slice(0, 1) }, "sum: 1 parameters, the job's layout has 2"],
    ['a renamed parameter', { sum: [stackBlockSums([sumOf(1)])[0]!, { name: 'bias', shape: [1, 3], values: new Float32Array(3) }] }, 'sum: parameter 1 is "bias" [1, 3], expected "dense/bias" [1, 3]'],
    ['a sum without the block axis', { sum: sumOf(1) }, 'sum: parameter 0 is "dense/kernel" [2, 3], expected "dense/kernel" [1, 2, 3]'],
    ['a reshaped parameter', { sum: [{ name: 'dense/kernel', shape: [1, 3, 2], values: new Float32Array(6) }, stackBlockSums([sumOf(1)])[1]!] }, 'sum: parameter 0 is "dense/kernel" [1, 3, 2], expected "dense/kernel" [1, 2, 3]'],
    ['too few values for the shape', { sum: [stackBlockSums([sumOf(1)])[0]!, { name: 'dense/bias', shape: [1, 3], values: new Float32Array(2) }] }, 'sum: parameter 1 "dense/bias" [1, 3] has 2 values, its shape needs 3'],
    ['a task count off the block', { metrics: [{ task: 0, preLoss: 1, postLoss: 1 }] }, 'task_metrics: 1 entries, block 0 has 3 tasks (0..2)'],
    ['task indices off the plan', { metrics: [0, 2, 1].map((task) => ({ task, preLoss: 1, postLoss: 1 })) }, 'task_metrics[1].task_index: 2, expected 1'],
    ['a NaN loss', { metrics: [0, 1, 2].map((task) => ({ task, preLoss: 1, postLoss: task === 1 ? NaN : 1 })) }, 'task_metrics[1].post_loss: NaN is not finite'],
  ])('rejects %s, naming the field', (_what, overrides, reason) => {
    const t = tracker();
    const outcome = t.accept(report(0, 1, overrides));
    expect(outcome).toEqual({ rejected: expect.stringContaining(reason) });
    expect(t.missingBlocks()).toEqual([0, 1, 2, 3]);
  });

  it('checks the metrics of a multi-block shard against all its tasks', () => {
    const t = tracker();
    expect(t.accept(report(1, 3, { metrics: report(1, 2).metrics }))).toEqual({ rejected: 'task_metrics: 6 entries, blocks 1..3 have 7 tasks (3..9)' });
    expect(t.missingBlocks()).toEqual([0, 1, 2, 3]);
  });

  it('rejects a round not open yet, marked as no fault of the report', () => {
    const t = tracker();
    expect(t.accept(report(0, 1, { version: 8 }))).toEqual({ rejected: 'version: 8 is not open (the job is collecting round 7)', notOpenYet: true });
    expect(t.missingBlocks()).toEqual([0, 1, 2, 3]);
  });

  it.each([NaN, Infinity, -Infinity])('rejects block sums holding %s, in any block, keeping none of the shard', (bad) => {
    const t = tracker();
    const sum = report(1, 2).sum;
    sum[1]!.values[4] = bad; // block 2's second bias value
    expect(t.accept(report(1, 2, { sum }))).toEqual({ rejected: `sum: "dense/bias" has a non-finite value (${bad}) at element 4` });
    expect(t.has(1)).toBe(false);
    expect(t.has(2)).toBe(false);
  });

  it('rejects a malformed report even when its blocks are already held, and keeps the held ones', () => {
    const t = tracker();
    expect(t.accept(report(0))).toBe('ACCEPTED');
    const sum = report(0, 1, {}, 4).sum;
    sum[0]!.values[0] = NaN;
    expect(t.accept(report(0, 1, { sum }))).toMatchObject({ rejected: expect.stringContaining('non-finite') });
    expect(t.accept(report(0))).toBe('DUPLICATE');
    t.accept(report(1, 3));
    expect(firstValues(t)[0]).toBe(1);
  });

  it('is not affected by later changes to the layout or plan it was given', () => {
    const myLayout = layout.map((p) => ({ ...p, shape: [...p.shape] }));
    const myPlan = plan.map((b) => ({ ...b }));
    const t = new ShardTracker({ kind: 'train', version: 7, layout: myLayout, blocks: myPlan });
    myLayout[0]!.shape[0] = 5;
    myPlan[0]!.end = 1;
    expect(t.accept(report(0))).toBe('ACCEPTED');
  });

  it('refuses a plan it cannot index by block number', () => {
    expect(() => new ShardTracker({ kind: 'train', version: 0, layout, blocks: [] })).toThrow('at least one block');
    expect(() => new ShardTracker({ kind: 'train', version: 0, layout, blocks: [plan[1]!] })).toThrow('entry 0 has index 1');
    expect(() => new ShardTracker({ kind: 'train', version: -1, layout, blocks: plan })).toThrow('non-negative integer');
  });
});

const evalPlan = planBlocks(5, 2); // tasks 0-1, 2-3, 4
const evalReport = (first: number, count = 1, extra: Partial<ShardReport> = {}): ShardReport => {
  const start = evalPlan[first]?.start ?? 0;
  const end = evalPlan[first + count - 1]?.end ?? start + 1;
  const metrics = Array.from({ length: end - start }, (_, k) => ({ task: start + k, preLoss: 2 + start + k, postLoss: 1 + start + k }));
  return { kind: 'eval', version: 8, firstBlock: first, blockCount: count, sum: [], metrics, workerId: `w-${first % 2}`, backend: 'wasm', computeMs: 1, ...extra };
};

describe('ShardTracker of an evaluation', () => {
  it('completes with every task in task order whatever the arrival order and grouping, first result winning per block', () => {
    const tracker = new ShardTracker({ kind: 'eval', version: 8, layout, blocks: evalPlan });
    expect(tracker.accept(evalReport(2))).toBe('ACCEPTED');
    expect(tracker.accept(evalReport(0))).toBe('ACCEPTED');
    expect(tracker.accept(evalReport(0, 1, { workerId: 'w-late', metrics: evalReport(0).metrics.map((m) => ({ ...m, postLoss: 99 })) }))).toBe('DUPLICATE');
    expect(tracker.isComplete()).toBe(false);
    expect(tracker.missingBlocks()).toEqual([1]);
    expect(() => tracker.complete()).toThrow('the evaluation of version 8 is incomplete: missing blocks 1');
    expect(tracker.accept(evalReport(0, 3, { workerId: 'w-all', metrics: evalReport(0, 3).metrics.map((m) => ({ ...m, postLoss: m.postLoss + (m.task < 2 || m.task > 3 ? 50 : 0) })) }))).toBe('ACCEPTED');
    expect(tracker.complete().flatMap((b) => b.metrics).map((m) => [m.task, m.postLoss])).toEqual([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
    expect(tracker.complete().map((b) => b.sum)).toEqual([[], [], []]);
    expect(tracker.workers()).toEqual(['w-0', 'w-all']);
    expect(tracker.backends()).toEqual(['wasm']);
  });

  it('answers an older version STALE and rejects what does not fit, naming the field', () => {
    const tracker = new ShardTracker({ kind: 'eval', version: 8, layout, blocks: evalPlan });
    expect(tracker.accept(evalReport(0, 1, { version: 4 }))).toBe('STALE');
    expect(tracker.accept(evalReport(0, 1, { version: 12 }))).toEqual({ rejected: 'version: 12 is not being evaluated (the job is evaluating version 8)', notOpenYet: true });
    expect(tracker.accept(evalReport(3))).toEqual({ rejected: 'first_block, block_count: blocks 3..3 are outside the 3 blocks (0..2) of the evaluation of version 8' });
    expect(tracker.accept(evalReport(1, 1, { metrics: evalReport(1).metrics.slice(1) }))).toEqual({ rejected: 'task_metrics: 1 entries, block 1 has 2 tasks (2..3)' });
    expect(tracker.accept(evalReport(1, 1, { metrics: evalReport(1).metrics.map((m) => ({ ...m, postLoss: Number.NaN })) }))).toEqual({ rejected: 'task_metrics[0].post_loss: NaN is not finite' });
    expect(tracker.missingBlocks()).toEqual([0, 1, 2]);
  });
});
