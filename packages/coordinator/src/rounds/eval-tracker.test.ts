import { planShards } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { EvalTracker } from './eval-tracker';
import type { EvalReport } from './shard-report';

const plan = planShards(5, 2); // tasks 0-1, 2-3, 4
const report = (shard: number, extra: Partial<EvalReport> = {}): EvalReport => {
  const p = plan[shard] ?? { start: 0, end: 1 };
  const metrics = Array.from({ length: p.end - p.start }, (_, k) => ({ task: p.start + k, preLoss: 2 + p.start + k, postLoss: 1 + p.start + k }));
  return { version: 8, shard, metrics, workerId: `w-${shard % 2}`, backend: 'wasm', ...extra };
};

describe('EvalTracker', () => {
  it('completes with every task in task order whatever the arrival order, first report winning', () => {
    const tracker = new EvalTracker(8, plan);
    expect(tracker.accept(report(2))).toBe('ACCEPTED');
    expect(tracker.accept(report(0))).toBe('ACCEPTED');
    expect(tracker.accept(report(0, { workerId: 'w-late', metrics: report(0).metrics.map((m) => ({ ...m, postLoss: 99 })) }))).toBe('DUPLICATE');
    expect(tracker.isComplete()).toBe(false);
    expect(tracker.missingShards()).toEqual([1]);
    expect(() => tracker.complete()).toThrow(/missing shards 1/);
    expect(tracker.accept(report(1))).toBe('ACCEPTED');
    expect(tracker.complete().map((m) => [m.task, m.postLoss])).toEqual([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
    expect(tracker.workers()).toEqual(['w-0', 'w-1']);
    expect(tracker.backends()).toEqual(['wasm']);
  });

  it('answers an older version STALE and rejects what does not fit, naming the field', () => {
    const tracker = new EvalTracker(8, plan);
    expect(tracker.accept(report(0, { version: 4 }))).toBe('STALE');
    expect(tracker.accept(report(0, { version: 12 }))).toEqual({ rejected: 'parameter_version: 12 is not being evaluated (the job is evaluating version 8)' });
    expect(tracker.accept(report(3))).toEqual({ rejected: 'shard_index: 3 is out of range (the evaluation has 3 shards)' });
    expect(tracker.accept(report(1, { metrics: report(1).metrics.slice(1) }))).toEqual({ rejected: 'task_metrics: 1 entries, shard 1 has 2 tasks (2..3)' });
    expect(tracker.accept(report(1, { metrics: report(1).metrics.map((m) => ({ ...m, postLoss: Number.NaN })) }))).toEqual({ rejected: 'task_metrics[0].post_loss: NaN is not finite' });
    expect(tracker.missingShards()).toEqual([0, 1, 2]);
  });
});
