import { type JobEvent, JobState, type RoundCompleted } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../ui/progress-bar';
import { followJob } from './follow-job';

function round(r: number, metaLoss: number, extra: Partial<RoundCompleted> = {}): JobEvent {
  const value: RoundCompleted = { round: r, tasks: 4, metaLoss, preLoss: 0, postLoss: 0, outerLr: 0.001, tasksPerSecond: 400, roundMs: 10, workers: 2, backends: ['wasm'], ...extra };
  return { jobId: 'j', timeMs: 0, kind: { $case: 'roundCompleted', value } };
}
const state = (s: JobState, error = ''): JobEvent => ({ jobId: 'j', timeMs: 0, kind: { $case: 'stateChanged', value: { state: s, error } } });
const checkpoint = (r: number): JobEvent => ({ jobId: 'j', timeMs: 0, kind: { $case: 'checkpointWritten', value: { version: r, location: 'file:///x' } } });

async function* from(events: JobEvent[]): AsyncGenerator<JobEvent> {
  for (const e of events) yield e;
}

function plainProgress(total: number) {
  const lines: string[] = [];
  let t = 0;
  const progress = createProgress({ total, label: 'sine', stream: { write: (s: string) => lines.push(s) }, now: () => (t += 1000) });
  return { progress, lines };
}

describe('followJob', () => {
  it('shows rounds with the smoothed meta-loss, tasks/s and workers, and stops at the final state', async () => {
    const { progress, lines } = plainProgress(10);
    const events = [state(JobState.RUNNING), ...Array.from({ length: 10 }, (_, r) => round(r, 1)), checkpoint(10), state(JobState.SUCCEEDED), round(99, 5)];
    const result = await followJob(from(events), progress);
    expect(result).toEqual({ state: JobState.SUCCEEDED, error: '', rounds: 10 });
    expect(lines.join('')).toContain('sine 1/10 10% meta-loss 1.0000 · 400 tasks/s · workers 2');
    expect(lines.at(-1)).toBe('sine 10/10 100% meta-loss 1.0000 · 400 tasks/s · workers 2\n');
  });

  it('smooths the meta-loss as train does', async () => {
    const { progress, lines } = plainProgress(2);
    await followJob(from([round(0, 2), round(1, 4), state(JobState.SUCCEEDED)]), progress);
    expect(lines.at(-1)).toContain('meta-loss 2.1000'); // 0.95 · 2 + 0.05 · 4
  });

  it('reports a failure with its error', async () => {
    const { progress } = plainProgress(5);
    expect(await followJob(from([state(JobState.RUNNING), round(0, 1), state(JobState.FAILED, 'shard 3 failed 5 times')]), progress)).toEqual({
      state: JobState.FAILED,
      error: 'shard 3 failed 5 times',
      rounds: 1,
    });
  });

  it('returns the last state seen when the stream ends early', async () => {
    const { progress, lines } = plainProgress(5);
    expect(await followJob(from([state(JobState.QUEUED)]), progress)).toEqual({ state: JobState.QUEUED, error: '', rounds: undefined });
    expect(lines).toHaveLength(1); // finish() ended the display
  });
});
