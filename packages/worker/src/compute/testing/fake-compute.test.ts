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

function fetcher() {
  const calls: number[] = [];
  return { calls, fetch: (version: number) => () => (calls.push(version), Promise.resolve(theta)) };
}

describe('FakeCompute', () => {
  it("answers one zero sum in θ's layout per block and one metric per task of the blocks, after waiting per task", async () => {
    const stub = new FakeCompute({ msPerTask: 20 });
    const { calls, fetch } = fetcher();
    const done = await stub.compute(task(), fetch(0));
    // Blocks 1..3 hold tasks 3..9: 7 tasks, 140 ms on the timer.
    expect(done.metrics.map((m) => m.task)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(done.metrics.every((m) => Number.isFinite(m.preLoss) && Number.isFinite(m.postLoss))).toBe(true);
    expect(done.sums).toHaveLength(3);
    for (const sum of done.sums) {
      expect(sum.map((p) => [p.name, p.shape])).toEqual([['w', [2, 3]], ['b', [3]]]);
      expect(sum.every((p) => p.values.every((v) => v === 0))).toBe(true);
    }
    expect(done.computeMs).toBeGreaterThanOrEqual(130);
    expect(calls).toEqual([0]);
    await stub.close();
  });

  it('fetches θ once per (job, version), and says how long each fetch took', async () => {
    const fetches: number[] = [];
    const stub = new FakeCompute({ msPerTask: 0, onParameters: (ms) => fetches.push(ms) });
    const { calls, fetch } = fetcher();
    await stub.compute(task({ blocks: { first: 0, count: 1 } }), fetch(0));
    await stub.compute(task({ blocks: { first: 1, count: 1 } }), fetch(0));
    await stub.compute(task({ version: 1 }), fetch(1));
    await stub.compute(task({ jobId: 'job-b' }), fetch(0));
    expect(calls).toEqual([0, 1, 0]);
    expect(fetches).toHaveLength(3);
    expect(fetches.every((ms) => ms >= 0)).toBe(true);
  });

  it("plans an evaluation shard's tasks from the evaluation's blocks and answers no sums", async () => {
    const done = await new FakeCompute({ msPerTask: 0 }).compute(task({ shardKind: 'eval', blocks: { first: 1, count: 1 } }), fetcher().fetch(0));
    expect(done.sums).toEqual([]);
    expect(done.metrics.map((m) => m.task)).toEqual([3, 4, 5]);
  });

  it('fails a range outside the plan, naming it', async () => {
    await expect(new FakeCompute({ msPerTask: 0 }).compute(task({ blocks: { first: 3, count: 2 } }), fetcher().fetch(0))).rejects.toThrow(
      'shard message: first_block, block_count: blocks 3..4 are outside the 4 blocks (0..3) of the round',
    );
  });

  it('stops the wait on abort, and refuses work after close', async () => {
    const stub = new FakeCompute({ msPerTask: 10_000 });
    const computing = stub.compute(task(), fetcher().fetch(0));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await stub.abort('grace over');
    await expect(computing).rejects.toThrow(new WorkerClosedError('grace over'));
    await stub.close();
    await stub.close();
    await expect(stub.compute(task(), fetcher().fetch(0))).rejects.toThrow(WorkerClosedError);
  });
});
