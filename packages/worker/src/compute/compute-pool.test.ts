import type { ParamSet } from '@metatrain/core';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerClosedError } from '../errors';
import { ComputePool } from './compute-pool';
import type { ShardTask } from './compute-thread';

// The pool over the stand-in thread (testing/crash-on-request-thread.ts): a shard busy-waits
// `version` ms, synchronously, as a real computation does, and job 'crash' kills its thread.
const entry = new URL('./testing/crash-on-request-thread.ts', import.meta.url);
const params: ParamSet = [{ name: 'w', shape: [2], values: new Float32Array([1, 2]) }];
const task = (jobId: string, busyMs: number): ShardTask => ({ shardKind: 'train', jobId, specText: '', files: new Map(), version: busyMs, blocks: { first: 0, count: 1 } });

const pools: ComputePool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close();
});

async function start(threads: number): Promise<{ pool: ComputePool; logs: string[] }> {
  const logs: string[] = [];
  const pool = await ComputePool.create({ threads, backend: undefined, dataDir: process.cwd(), log: (line) => logs.push(line), entry });
  pools.push(pool);
  return { pool, logs };
}

const never = (): AbortSignal => new AbortController().signal;

describe('ComputePool', () => {
  it('computes two shards at once on two threads', async () => {
    const { pool } = await start(2);
    expect(pool.size).toBe(2);
    const started = performance.now();
    const [a, b] = await Promise.all([pool.compute(task('a', 600), params, never()), pool.compute(task('b', 600), params, never())]);
    const wall = performance.now() - started;
    expect(a.computeMs).toBeGreaterThanOrEqual(600);
    expect(b.computeMs).toBeGreaterThanOrEqual(600);
    // One after the other would take 1200 ms of busy waiting; in parallel the two overlap.
    expect(wall).toBeLessThan(a.computeMs + b.computeMs);
  });

  it('gives a third shard the first thread that is free', async () => {
    const { pool } = await start(2);
    const order: string[] = [];
    const run = (id: string, ms: number) => pool.compute(task(id, ms), params, never()).then(() => order.push(id));
    await Promise.all([run('long', 800), run('short', 50), run('third', 50)]);
    expect(order).toEqual(['short', 'third', 'long']);
  });

  it('fails only the shard of a thread that crashes, and replaces the thread', async () => {
    const { pool, logs } = await start(2);
    const other = pool.compute(task('fine', 400), params, never());
    await expect(pool.compute(task('crash', 0), params, never())).rejects.toThrow(/compute thread crashed: simulated crash/);
    expect((await other).sums[0]?.[0]?.values).toEqual(new Float32Array([1, 2]));
    expect(logs.some((l) => l.includes('starting a new compute thread'))).toBe(true);
    // Both threads work again: two shards at once.
    const again = await Promise.all([pool.compute(task('x', 10), params, never()), pool.compute(task('y', 10), params, never())]);
    expect(again).toHaveLength(2);
  });

  it("an aborted shard stops its own thread only; the other shard finishes", async () => {
    const { pool } = await start(2);
    const controller = new AbortController();
    const aborted = pool.compute(task('stop-me', 5000), params, controller.signal);
    const other = pool.compute(task('keep-me', 500), params, never());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    controller.abort(new WorkerClosedError('shutdown grace period over'));
    await expect(aborted).rejects.toThrow(new WorkerClosedError('shutdown grace period over'));
    expect(performance.now() - started).toBeLessThan(2000);
    const kept = await other;
    expect(kept.computeMs).toBeGreaterThanOrEqual(500);
    // The stopped thread is started again for the next shard.
    expect((await pool.compute(task('next', 0), params, never())).sums).toHaveLength(1);
  });

  it('fails a shard waiting for a thread when it is aborted, or when the pool closes', async () => {
    const { pool } = await start(1);
    const busy = pool.compute(task('busy', 300), params, never());
    const controller = new AbortController();
    const waiting = pool.compute(task('waiting', 0), params, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(WorkerClosedError);
    const queued = expect(pool.compute(task('queued', 0), params, never())).rejects.toThrow(WorkerClosedError);
    const stopped = expect(busy).rejects.toThrow(WorkerClosedError);
    await pool.close();
    await queued;
    await stopped;
    await pool.close(); // idempotent
  });
});
