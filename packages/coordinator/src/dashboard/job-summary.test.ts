import type { JobEvent } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../registry/job-record';
import { jobSummary } from './job-summary';

const SPEC = `name: sum
algorithm: reptile
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5 }
outer: { lr: 0.1, optimizer: sgd, metaBatchSize: 4, iterations: 100 }
`;
const record = (extra: Partial<JobRecord> = {}): JobRecord => ({ id: 'sum-abc123', name: 'sum', spec: SPEC, state: 'RUNNING', roundsCompleted: 3, totalRounds: 100, createdAt: 10_000, updatedAt: 12_000, ...extra });
const round = (r: number, timeMs: number, tasksPerSecond: number): JobEvent => ({
  jobId: 'sum-abc123',
  timeMs,
  kind: { $case: 'roundCompleted', value: { round: r, tasks: 4, metaLoss: 1 / (r + 1), preLoss: 2, postLoss: 1, outerLr: 0.1, tasksPerSecond, roundMs: 100, workers: 1, backends: ['wasm'] } },
});

describe('jobSummary', () => {
  it('takes the round and meta-loss from the newest event, the rate from the recent rounds, and the time left from their pace', () => {
    const events = [round(0, 20_000, 10), round(1, 20_500, 20), round(2, 21_000, 30), round(3, 21_500, 40)];
    const summary = jobSummary(record(), events, 30_000);
    expect(summary).toMatchObject({ id: 'sum-abc123', state: 'RUNNING', algorithm: 'reptile', taskFamily: 'sinusoid', roundsCompleted: 4, totalRounds: 100, lastMetaLoss: 0.25, tasksPerSecond: 25, elapsedMs: 20_000 });
    expect(summary.etaMs).toBe(96 * 500);
  });

  it('has no rate or time left before two rounds, and a finished job stops its clock', () => {
    expect(jobSummary(record({ roundsCompleted: 0 }), [], 30_000)).not.toHaveProperty('tasksPerSecond');
    expect(jobSummary(record(), [round(3, 20_000, 10)], 30_000)).not.toHaveProperty('etaMs');
    const done = jobSummary(record({ state: 'SUCCEEDED', roundsCompleted: 100, lastMetaLoss: 0.5 }), [], 99_000);
    expect(done).toMatchObject({ elapsedMs: 2_000, roundsCompleted: 100, lastMetaLoss: 0.5 });
    expect(done).not.toHaveProperty('etaMs');
  });
});
