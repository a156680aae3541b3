import type { JobEvent } from '@metatrain/contract';
import { storageKeys } from '@metatrain/core';
import { MemoryStore } from '@metatrain/storage';
import { describe, expect, it } from 'vitest';
import { historyLine } from './history-line';
import { readHistory } from './history-reader';
import { evalEvent, roundEvent } from './testing/history-events';

const keys = storageKeys.coordinatorJob('sine-abc123');
const encoder = new TextEncoder();

/** Stores chunk `n` with `lines` (events become their history lines; strings are stored as they are). */
async function chunk(storage: MemoryStore, n: number, lines: Array<JobEvent | { type: 'start'; version: number } | string>): Promise<void> {
  const text = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify('jobId' in line ? historyLine(line) : { ...line, time: 1 }))).join('\n');
  await storage.put(keys.historyChunk(n), encoder.encode(`${text}\n`));
}

/** The curve as short names, in order. */
const names = (events: JobEvent[]) => events.map(({ kind }) => (kind?.$case === 'roundCompleted' ? `round ${kind.value.round}` : kind?.$case === 'evalCompleted' ? `eval ${kind.value.version}` : 'other'));

describe('readHistory', () => {
  it('reads the chunks back as the events they were written from, in curve order', async () => {
    const storage = new MemoryStore();
    await chunk(storage, 0, [{ type: 'start', version: 0 }, roundEvent(0), roundEvent(1)]);
    await chunk(storage, 1, [evalEvent(2), roundEvent(2)]);
    const curve = await readHistory(storage, keys, () => {});
    expect(curve).toEqual([roundEvent(0), roundEvent(1), evalEvent(2), roundEvent(2)]);
    expect(await readHistory(new MemoryStore(), keys, () => {})).toEqual([]);
  });

  it('drops what a crashed run wrote beyond the version the next run resumed from, each round once', async () => {
    const storage = new MemoryStore();
    // Run 1 wrote rounds 0-4 and the evaluations of 2 and 4, then crashed; its newest checkpoint was 2.
    await chunk(storage, 0, [{ type: 'start', version: 0 }, roundEvent(0), roundEvent(1), evalEvent(2), roundEvent(2), roundEvent(3), evalEvent(4), roundEvent(4)]);
    // Run 2 resumed at 2 (the evaluation of 2 was in the checkpoint) and ran round 2 only, again.
    await chunk(storage, 1, [{ type: 'start', version: 2 }]);
    await chunk(storage, 2, [{ ...roundEvent(2), timeMs: 9999 }]);
    const curve = await readHistory(storage, keys, () => {});
    expect(names(curve)).toEqual(['round 0', 'round 1', 'eval 2', 'round 2']);
    expect(curve[3]?.timeMs).toBe(9999);
  });

  it('skips a line that is not history, naming where it is and why, and reads the rest', async () => {
    const storage = new MemoryStore();
    const bad = JSON.stringify({ ...historyLine(roundEvent(1)), metaLoss: 'NaN' });
    await chunk(storage, 0, [roundEvent(0), '{ not json', bad, roundEvent(2)]);
    const problems: string[] = [];
    expect(names(await readHistory(storage, keys, (problem) => problems.push(problem)))).toEqual(['round 0', 'round 2']);
    expect(problems).toEqual([`memory:${keys.historyChunk(0)}: line 2: not JSON`, `memory:${keys.historyChunk(0)}: line 3: metaLoss: Invalid input: expected number, received string`]);
  });
});
