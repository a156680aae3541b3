import { describe, expect, it } from 'vitest';
import type { JobChange } from '../registry/job-change';
import { ProgressWriter } from './progress-writer';

describe('ProgressWriter', () => {
  it('writes changes one at a time, in order, without making the caller wait', async () => {
    const written: number[] = [];
    let inFlight = 0;
    const writer = new ProgressWriter(
      async (change: JobChange) => {
        inFlight++;
        expect(inFlight).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 3 - (change.roundsCompleted ?? 0)));
        written.push(change.roundsCompleted ?? -1);
        inFlight--;
      },
      () => undefined,
    );
    for (const roundsCompleted of [1, 2, 3]) writer.push({ roundsCompleted });
    expect(written).toEqual([]);
    await writer.flushed();
    expect(written).toEqual([1, 2, 3]);
  });

  it('hands a failed write to onFailure and goes on with the next', async () => {
    const failures: unknown[] = [];
    const written: number[] = [];
    const writer = new ProgressWriter(
      async (change: JobChange) => {
        if (change.roundsCompleted === 2) throw new Error('redis said no');
        written.push(change.roundsCompleted ?? -1);
      },
      (error) => failures.push(error),
    );
    for (const roundsCompleted of [1, 2, 3]) writer.push({ roundsCompleted });
    await writer.flushed();
    expect(written).toEqual([1, 3]);
    expect(failures).toEqual([new Error('redis said no')]);
  });
});
