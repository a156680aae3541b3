import { storageKeys } from '@metatrain/core';
import { MemoryStore } from '@metatrain/storage';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HistoryWriter } from './history-writer';
import { evalEvent, roundEvent } from './testing/history-events';

const keys = storageKeys.coordinatorJob('sine-abc123');

const decoder = new TextDecoder();

/** Every stored chunk's lines, parsed, one array per chunk. */
async function chunks(storage: MemoryStore): Promise<unknown[][]> {
  const stored = await storage.list(keys.history);
  return Promise.all(stored.map(async (key) => decoder.decode(await storage.get(key)).trim().split('\n').map((line) => JSON.parse(line) as unknown)));
}

const log: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  log.length = 0;
});

describe('HistoryWriter', () => {
  it('writes the start mark at once, then a chunk per full batch, never one per round', async () => {
    const storage = new MemoryStore();
    const writer = await HistoryWriter.open(storage, keys, 0, { flushEveryRecords: 3, flushEveryMs: 60_000 }, (line) => log.push(line));
    expect(await chunks(storage)).toEqual([[{ type: 'start', time: expect.any(Number), version: 0 }]]);
    for (const r of [0, 1]) writer.push(roundEvent(r));
    writer.push({ jobId: keys.jobId, timeMs: 5, kind: { $case: 'checkpointWritten', value: { version: 2, location: 'x' } } });
    await writer.flush().then(() => undefined);
    expect(await storage.list(keys.history)).toEqual([keys.historyChunk(0), keys.historyChunk(1)]);
    for (const event of [evalEvent(3), roundEvent(2), roundEvent(3), roundEvent(4)]) writer.push(event);
    expect(writer.unwritten()).toHaveLength(4); // the full batch is on its way, taking what came meanwhile
    await writer.close();
    const [, first, second, ...more] = await chunks(storage);
    expect(first).toEqual([0, 1].map((r) => ({ type: 'round', time: 1000 + r, ...(roundEvent(r).kind?.value as object) })));
    expect(second).toEqual([{ type: 'eval', time: 2003, version: 3, tasks: 4, preLoss: 3, postLoss: 3.25, evalMs: 2, workers: 1 }, ...[2, 3, 4].map((round) => expect.objectContaining({ type: 'round', round }))]);
    expect(more).toEqual([]);
    expect(writer.unwritten()).toEqual([]);
    writer.push(roundEvent(5)); // closed: taken no more
    expect(writer.unwritten()).toEqual([]);
  });

  it('writes a batch that is not full once its first record is flushEveryMs old', async () => {
    vi.useFakeTimers();
    const storage = new MemoryStore();
    const writer = await HistoryWriter.open(storage, keys, 0, { flushEveryRecords: 100, flushEveryMs: 2000 }, (line) => log.push(line));
    writer.push(roundEvent(0));
    await vi.advanceTimersByTimeAsync(1000);
    writer.push(roundEvent(1));
    expect(await storage.list(keys.history)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await storage.list(keys.history)).toHaveLength(2);
    expect((await chunks(storage))[1]).toHaveLength(2);
  });

  it('numbers its chunks after those of earlier runs and marks where its run starts', async () => {
    const storage = new MemoryStore();
    const first = await HistoryWriter.open(storage, keys, 0, {}, () => {});
    first.push(roundEvent(0));
    await first.close();
    const second = await HistoryWriter.open(storage, keys, 1, {}, () => {});
    await second.close();
    expect(await storage.list(keys.history)).toEqual([0, 1, 2].map((n) => keys.historyChunk(n)));
    expect((await chunks(storage))[2]).toEqual([{ type: 'start', time: expect.any(Number), version: 1 }]);
  });

  it('keeps the records of a failed write, logs it and writes them with the next batch; the job never sees the failure', async () => {
    class FlakyStore extends MemoryStore {
      failures = 0;
      override async put(key: string, bytes: Uint8Array): Promise<void> {
        if (this.failures > 0) {
          this.failures -= 1;
          throw new Error('503 Slow Down');
        }
        return super.put(key, bytes);
      }
    }
    const storage = new FlakyStore();
    const writer = await HistoryWriter.open(storage, keys, 0, { flushEveryRecords: 100, flushEveryMs: 60_000 }, (line) => log.push(line));
    writer.push(roundEvent(0));
    storage.failures = 1;
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(log).toEqual([`job ${keys.jobId}: writing its history failed (retried with the next batch): Error: 503 Slow Down`]);
    expect(writer.unwritten()).toEqual([roundEvent(0)]);
    writer.push(roundEvent(1));
    await writer.close();
    expect((await chunks(storage))[1]).toEqual([expect.objectContaining({ round: 0 }), expect.objectContaining({ round: 1 })]);
  });

  it('writes nothing more once discarded', async () => {
    const storage = new MemoryStore();
    const writer = await HistoryWriter.open(storage, keys, 0, {}, () => {});
    writer.push(roundEvent(0));
    writer.discard();
    await writer.close();
    expect(await storage.list(keys.history)).toEqual([keys.historyChunk(0)]);
  });
});
