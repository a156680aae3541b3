import { describe, expect, it } from 'vitest';
import { curveRecord, metricsLine } from './metrics-format';

const round = { round: 12, tasks: 8, metaLoss: 0.41234, preLoss: 0.9, postLoss: 0.41234, outerLr: 0.01, roundMs: 12.34, tasksPerSecond: 648.2, workers: 2, backends: ['wasm'] };

describe('metrics lines', () => {
  it('turns rounds and evaluations into records and lines, and nothing else', () => {
    const record = curveRecord({ jobId: 'j', timeMs: 5, kind: { $case: 'roundCompleted', value: round } });
    expect(record).toEqual({ type: 'round', time: 5, ...round });
    expect(metricsLine(record!)).toBe('round     12  meta-loss 0.4123  pre-loss 0.9000  post-loss 0.4123  648 tasks/s  12.3 ms');
    const evaluation = curveRecord({ jobId: 'j', timeMs: 6, kind: { $case: 'evalCompleted', value: { version: 12, tasks: 4, preLoss: 2, postLoss: 1, preAccuracy: 0.2, postAccuracy: 0.75, evalMs: 3, workers: 1 } } });
    expect(metricsLine(evaluation!)).toBe('eval      12  held-out 4 tasks  pre-loss 2.000  post-loss 1.000  pre-acc 0.200  post-acc 0.750');
    expect(curveRecord({ jobId: 'j', timeMs: 7, kind: { $case: 'checkpointWritten', value: { version: 12, location: 'x' } } })).toBeUndefined();
  });
});
