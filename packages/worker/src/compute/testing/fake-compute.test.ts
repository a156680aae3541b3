import type { ParamSet } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { WorkerClosedError } from '../../errors';
import type { ShardTask } from '../compute-thread';
import { FakeCompute } from './fake-compute';

// 10 tasks in blocks of 3 (0-2, 3-5, 6-8, 9); 6 evaluation tasks in blocks of 3.
const SPEC = `name: stub
algorithm: maml
model: { kind: mlp, hidden: [4] }
tasks: { family: sinusoid, shots: 5 }
outer: { lr: 0.001, metaBatchSize: 10, iterations: 5 }
blockSize: 3
eval: { everyRounds: 2, tasks: 6 }
`;
const theta: ParamSet = [
  { name: 'w', shape: [2, 3], values: new Float32Array(6).fill(0.5) },
  { name: 'b', shape: [3], values: new Float32Array(3).fill(-1) },
];
const task = (over: Partial<ShardTask> = {}): ShardTask => ({ shardKind: 'train', jobId: 'job-a', specText: SPEC, files: new Map(), version: 0, blocks: { first: 1, count: 3 }, ...over });
const stub = (msPerTask: number, threads = 1) => new FakeCompute({ msPerTask, threads });
const running = () => new AbortController().signal;

describe('FakeCompute', () => {
  it("answers one zero sum in θ's layout per block and one metric per task of the blocks, after waiting per task", async () => {
    const compute = stub(20);
    const done = await compute.compute(task(), theta, running());
    // Blocks 1..3 hold tasks 3..9: 7 tasks, 140 ms on the timer.
    expect(done.metrics.map((m) => m.task)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(done.metrics.every((m) => Number.isFinite(m.preLoss) && Number.isFinite(m.postLoss))).toBe(true);
    expect(done.sums).toHaveLength(3);
    for (const sum of done.sums) {
      expect(sum.map((p) => [p.name, p.shape])).toEqual([['w', [2, 3]], ['b', [3]]]);
      expect(sum.every((p) => p.values.every((v) => v === 0))).toBe(true);
    }
    expect(done.computeMs).toBeGreaterThanOrEqual(130);
    await compute.close();
  });

  it('waits for several shards at once, as many threads as it is told', async () => {
    const compute = stub(50, 2);
    expect(compute.size).toBe(2);
    const started = performance.now();
    await Promise.all([compute.compute(task({ blocks: { first: 0, count: 1 } }), theta, running()), compute.compute(task({ blocks: { first: 1, count: 1 } }), theta, running())]);
    expect(performance.now() - started).toBeLessThan(290); // 2 × 150 ms one after the other
  });

  it("plans an evaluation shard's tasks from the evaluation's blocks and answers no sums", async () => {
    const done = await stub(0).compute(task({ shardKind: 'eval', blocks: { first: 1, count: 1 } }), theta, running());
    expect(done.sums).toEqual([]);
    expect(done.metrics.map((m) => m.task)).toEqual([3, 4, 5]);
  });

  it('fails a range outside the plan, naming it', async () => {
    await expect(stub(0).compute(task({ blocks: { first: 3, count: 2 } }), theta, running())).rejects.toThrow(
      'shard message: first_block, block_count: blocks 3..4 are outside the 4 blocks (0..3) of the round',
    );
  });

  it("stops a shard's wait when its signal aborts, leaves the others, and refuses work after close", async () => {
    const compute = stub(10_000, 2);
    const controller = new AbortController();
    const aborted = compute.compute(task(), theta, controller.signal);
    const other = compute.compute(task(), theta, running());
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort('grace over');
    await expect(aborted).rejects.toThrow(new WorkerClosedError('grace over'));
    await compute.close();
    await expect(other).rejects.toThrow(WorkerClosedError);
    await compute.close();
    await expect(compute.compute(task(), theta, running())).rejects.toThrow(WorkerClosedError);
  });
});
