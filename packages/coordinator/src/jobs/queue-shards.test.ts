import { stackBlockSums } from '@metatrain/contract';
import { type ParamSet, type ParamShape, planBlocks, type ShardKind, type ShardSize, sizeOf } from '@metatrain/core';
import type { CollectedBlocks } from '@metatrain/job-loop';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ShardReport } from '../rounds/shard-report';
import { MemoryShardQueue } from '../testing/memory-shard-queue';
import { RecordingObserver } from '../testing/recording-observer';
import { NotPublishedYetError } from '../grpc/grpc-errors';
import { QueueShards } from './queue-shards';

const layout: ParamShape[] = [
  { name: 'dense/kernel', shape: [2, 2] },
  { name: 'dense/bias', shape: [2] },
];
// Four tasks in blocks of two: tasks 0-1 and 2-3.
const plan = planBlocks(4, 2);

/** θ_version, a fresh object each call (so identity shows which one was kept). */
function paramsAt(version: number): ParamSet {
  return layout.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(sizeOf(p.shape)).fill(version) }));
}

/** A report of blocks first..first+count-1 of `blocks` (tasks 2 per block); block b sums to θ filled with b + 1. */
function report(kind: ShardKind, version: number, first: number, extra: Partial<ShardReport> = {}, count = 1, blocks = plan): ShardReport {
  const shard = blocks.slice(first, first + count);
  const start = shard[0]?.start ?? 0;
  const end = shard.at(-1)?.end ?? start + 1;
  const metrics = Array.from({ length: end - start }, (_, k) => ({ task: start + k, preLoss: 2, postLoss: 1 }));
  const sum = kind === 'train' ? stackBlockSums(shard.map((b) => paramsAt(b.index + 1))) : [];
  return { kind, version, firstBlock: first, blockCount: count, sum, metrics, workerId: `w${first}`, backend: 'cpu', computeMs: 10 * count, ...extra };
}

/** Lets every pending promise run (the memory queue answers in microtasks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(shardDeadlineMs = 600_000, queue = new MemoryShardQueue(), shardSize: ShardSize = 1, slots = { count: 2 }) {
  const observer = new RecordingObserver();
  const log: string[] = [];
  const shards = new QueueShards({ jobId: 'job-1', layout, shardSize, computeSlots: () => slots.count, queue, observer, shardDeadlineMs, log: (line) => log.push(line) });
  /** Opens a collection of `blocks` (its shards are on the queue after a settle()). */
  const open = (kind: ShardKind, version: number, params = paramsAt(version), signal = new AbortController().signal, blocks = plan) =>
    shards.collect({ kind, version, params, blocks }, signal);
  /** Opens a collection and reports every block of it, one shard per block. */
  const complete = async (kind: ShardKind, version: number, params = paramsAt(version)): Promise<CollectedBlocks | undefined> => {
    const collected = open(kind, version, params);
    await settle();
    for (const { index } of plan) expect(shards.accept(report(kind, version, index), version)).toBe('ACCEPTED');
    return collected;
  };
  return { queue, observer, log, shards, open, complete };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('QueueShards', () => {
  it('announces each new version once, when GetParameters can already read it', async () => {
    const observer = new RecordingObserver();
    const announced: Array<[number, boolean]> = [];
    const ref: { shards?: QueueShards } = {};
    ref.shards = new QueueShards({
      jobId: 'job-1',
      layout,
      shardSize: 1,
      computeSlots: () => 2,
      queue: new MemoryShardQueue(),
      observer,
      shardDeadlineMs: 600_000,
      // What a worker hearing it does: fetch the version.
      announce: (version) => announced.push([version, ref.shards?.parameters(version) !== undefined]),
      log: () => undefined,
    });
    const signal = new AbortController().signal;
    void ref.shards.collect({ kind: 'eval', version: 3, params: paramsAt(3), blocks: plan }, signal);
    void ref.shards.collect({ kind: 'train', version: 3, params: paramsAt(3), blocks: plan }, signal);
    void ref.shards.collect({ kind: 'train', version: 4, params: paramsAt(4), blocks: plan }, signal);
    await settle();
    // The evaluation and the round of version 3 share one announcement.
    expect(announced).toEqual([
      [3, true],
      [4, true],
    ]);
  });

  it('enqueues a collection and hands back its blocks in block order, first result winning', async () => {
    const { queue, shards, open } = setup();
    const collected = open('train', 0);
    expect(await Promise.race([collected, settle().then(() => 'waiting')])).toBe('waiting');
    expect(queue.waiting.map((s) => s.id)).toEqual(['job-1-r0-b0-1', 'job-1-r0-b1-2']);
    expect(shards.accept(report('train', 0, 1, { workerId: 'b', backend: 'wasm' }), 0)).toBe('ACCEPTED');
    expect(shards.accept(report('train', 0, 1, { workerId: 'late', sum: stackBlockSums([paramsAt(9)]) }), 0)).toBe('DUPLICATE');
    expect(shards.accept(report('train', 0, 0, { workerId: 'a' }), 0)).toBe('ACCEPTED');
    const result = await collected;
    expect(result?.blocks.map((b) => [b.block, b.workerId, b.backend, b.sum[0]?.values[0]])).toEqual([
      [0, 'a', 'cpu', 1],
      [1, 'b', 'wasm', 2],
    ]);
    expect(result?.workers).toEqual(['a', 'b']);
    expect(result?.backends).toEqual(['cpu', 'wasm']);
  });

  it('routes a report by the job version while a round is open: STALE behind it, not open yet ahead of it', async () => {
    const { shards, open } = setup();
    void open('train', 2);
    await settle();
    expect(shards.accept(report('train', 1, 0), 2)).toBe('STALE');
    // The evaluation of version 2 comes before round 2, so it is over.
    expect(shards.accept(report('eval', 2, 0), 2)).toBe('STALE');
    expect(shards.accept(report('train', 3, 0), 2)).toEqual({ rejected: 'version: 3 has no open round (job job-1 is at round 2)', notOpenYet: true });
    expect(shards.accept(report('eval', 3, 0), 2)).toEqual({ rejected: 'version: 3 has no open evaluation (job job-1 is at round 2)', notOpenYet: true });
    // A report of the open round goes to its tracker, which checks it against the layout.
    expect(shards.accept(report('train', 2, 0, { sum: stackBlockSums([paramsAt(1)]).slice(0, 1) }), 2)).toEqual({ rejected: "sum: 1 parameters, the job's layout has 2" });
    expect(shards.accept(report('train', 2, 0), 2)).toBe('ACCEPTED');
  });

  it('routes a report by the job version while an evaluation is open, and when nothing is', async () => {
    const { shards, open, complete } = setup();
    const evaluation = open('eval', 3);
    await settle();
    expect(shards.accept(report('eval', 2, 0), 3)).toBe('STALE');
    expect(shards.accept(report('train', 2, 0), 3)).toBe('STALE');
    // Round 3 opens once the evaluation of version 3 is in.
    expect(shards.accept(report('train', 3, 0), 3)).toEqual({ rejected: 'version: 3 has no open round (job job-1 is at round 3)', notOpenYet: true });
    expect(shards.accept(report('eval', 3, 0), 3)).toBe('ACCEPTED');
    expect(shards.accept(report('eval', 3, 1), 3)).toBe('ACCEPTED');
    expect((await evaluation)?.blocks.map((b) => b.block)).toEqual([0, 1]);
    // Between collections: the evaluation just closed is STALE, the round not open yet.
    expect(shards.accept(report('eval', 3, 0), 3)).toBe('STALE');
    expect(shards.accept(report('train', 3, 0), 3)).toEqual({ rejected: 'version: 3 has no open round (job job-1 is at round 3)', notOpenYet: true });
    expect(await complete('train', 3)).toBeDefined();
  });

  it('keeps the parameters of the current and the previous version only, the very objects collected', async () => {
    const { shards, complete, open } = setup();
    const versions = [paramsAt(0), paramsAt(1), paramsAt(2)];
    await complete('train', 0, versions[0]);
    expect(shards.parameters(0)).toBe(versions[0]);
    await complete('train', 1, versions[1]);
    expect(shards.parameters(0)).toBe(versions[0]);
    expect(shards.parameters(1)).toBe(versions[1]);
    void open('train', 2, versions[2]);
    expect(shards.parameters(0)).toBeUndefined();
    expect(shards.parameters(1)).toBe(versions[1]);
    expect(shards.parameters(2)).toBe(versions[2]);
    expect(shards.parameters(3)).toBeUndefined();
  });

  it('ends collect with undefined when its signal aborts, and files no later report against it', async () => {
    const { queue, shards, open } = setup();
    const controller = new AbortController();
    const collected = open('train', 0, paramsAt(0), controller.signal);
    await settle();
    expect(shards.accept(report('train', 0, 0), 0)).toBe('ACCEPTED');
    controller.abort();
    expect(await collected).toBeUndefined();
    expect(shards.accept(report('train', 0, 1), 0)).toMatchObject({ notOpenYet: true });
    expect(queue.added).toEqual(['job-1-r0-b0-1', 'job-1-r0-b1-2']);
  });

  it('enqueues nothing for a signal aborted before it starts', async () => {
    const { queue, shards } = setup();
    const signal = AbortSignal.abort();
    expect(await shards.collect({ kind: 'train', version: 0, params: paramsAt(0), blocks: plan }, signal)).toBeUndefined();
    expect(queue.added).toEqual([]);
  });

  it('reports the orchestration overhead from the second collection on: last report to next enqueue', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { observer, complete, open } = setup();
    await complete('train', 0);
    expect(observer.overheads).toEqual([]);
    vi.advanceTimersByTime(250);
    await complete('train', 1);
    expect(observer.overheads).toEqual([0.25]);
    // An interrupted collection has no last report: the next overhead still counts from round 1's.
    vi.advanceTimersByTime(40);
    const controller = new AbortController();
    const interrupted = open('eval', 2, paramsAt(2), controller.signal);
    controller.abort();
    expect(await interrupted).toBeUndefined();
    vi.advanceTimersByTime(10);
    await complete('train', 2);
    expect(observer.overheads).toEqual([0.25, 0.04, 0.05]);
  });

  it('asks again every deadline for the blocks still missing, until the collection is complete', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { queue, observer, shards, open } = setup(1000);
    const collected = open('train', 0);
    await settle();
    queue.take();
    queue.take(); // two workers take the shards; the second never reports
    expect(shards.accept(report('train', 0, 0), 0)).toBe('ACCEPTED');
    vi.advanceTimersByTime(999);
    expect(observer.reenqueued).toEqual([]);
    vi.advanceTimersByTime(1);
    await settle();
    expect(observer.reenqueued).toEqual([1]);
    expect(queue.waiting.map((s) => s.id)).toEqual(['job-1-r0-b1-2-a1']);
    // Still missing a deadline later: asked for again, though its copy is still waiting.
    vi.advanceTimersByTime(1000);
    await settle();
    expect(observer.reenqueued).toEqual([1, 1]);
    expect(shards.accept(report('train', 0, 1, { workerId: 'copy' }), 0)).toBe('ACCEPTED');
    expect((await collected)?.workers).toEqual(['copy', 'w0']);
    vi.advanceTimersByTime(5000);
    await settle();
    expect(observer.reenqueued).toEqual([1, 1]);
    expect(queue.added).toEqual(['job-1-r0-b0-1', 'job-1-r0-b1-2', 'job-1-r0-b1-2-a1']);
  });

  it('logs a re-enqueue the queue refuses and keeps collecting', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    class RefusingQueue extends MemoryShardQueue {
      override async reenqueue(): Promise<never> {
        throw new Error('redis is away');
      }
    }
    const { log, shards, open } = setup(1000, new RefusingQueue());
    const collected = open('train', 0);
    await settle();
    vi.advanceTimersByTime(1000);
    await settle();
    expect(log).toEqual(['job job-1: re-enqueue failed: Error: redis is away']);
    shards.accept(report('train', 0, 0), 0);
    shards.accept(report('train', 0, 1), 0);
    expect((await collected)?.blocks).toHaveLength(2);
  });
  it('groups the blocks into shards of the spec\'s fixed shardSize', async () => {
    const blocks = planBlocks(20, 2); // 10 blocks
    const { queue, shards, open } = setup(600_000, new MemoryShardQueue(), 4);
    const collected = open('train', 0, paramsAt(0), new AbortController().signal, blocks);
    await settle();
    expect(queue.waiting.map((q) => q.id)).toEqual(['job-1-r0-b0-4', 'job-1-r0-b4-8', 'job-1-r0-b8-10']);
    expect(queue.waiting.map((q) => q.blocks)).toEqual([{ first: 0, count: 4 }, { first: 4, count: 4 }, { first: 8, count: 2 }]);
    for (const [first, count] of [[8, 2], [0, 4], [4, 4]] as const) expect(shards.accept(report('train', 0, first, {}, count, blocks), 0)).toBe('ACCEPTED');
    const result = await collected;
    expect(result?.blocks.map((b) => [b.block, b.sum[1]?.values[0], b.metrics.map((m) => m.task)])).toEqual(blocks.map((b) => [b.index, b.index + 1, [b.start, b.start + 1]]));
  });

  it('sizes shards for the live slots under shardSize auto, then by the measured compute per block', async () => {
    const blocks = planBlocks(20, 2); // 10 blocks
    const slots = { count: 2 };
    const { queue, shards, open } = setup(600_000, new MemoryShardQueue(), 'auto', slots);
    const round = async (version: number, computeMsPerBlock: number) => {
      const collected = open('train', version, paramsAt(version), new AbortController().signal, blocks);
      await settle();
      const taken = queue.waiting.splice(0);
      for (const q of taken) shards.accept(report('train', version, q.blocks.first, { computeMs: computeMsPerBlock * q.blocks.count }, q.blocks.count, blocks), version);
      expect(await collected).toBeDefined();
      return taken.map((q) => q.id.replace(`job-1-r${version}-`, ''));
    };
    // Nothing measured: one shard per slot.
    expect(await round(0, 100)).toEqual(['b0-5', 'b5-10']);
    // 100 ms per block: up to 4 shards per slot (10 blocks: one each).
    expect(await round(1, 100)).toHaveLength(10);
    // Three slots now.
    slots.count = 3;
    expect(await round(2, 0.01)).toHaveLength(10); // the average still remembers 100 ms
    for (let v = 3; v < 20; v++) await round(v, 0.01);
    expect(await round(20, 0.01)).toEqual(['b0-4', 'b4-8', 'b8-10']); // cheap blocks: one shard per slot
    // The evaluation's sizer has measured nothing yet: one shard per slot.
    const evaluation = open('eval', 21, paramsAt(21), new AbortController().signal, blocks);
    await settle();
    expect(queue.waiting.map((q) => q.id)).toEqual(['job-1-r21-e0-4', 'job-1-r21-e4-8', 'job-1-r21-e8-10']);
    for (const q of queue.waiting.splice(0)) shards.accept(report('eval', 21, q.blocks.first, {}, q.blocks.count, blocks), 21);
    expect(await evaluation).toBeDefined();
  });

  it('asks again for the missing blocks only, grouped into shards again, whoever held the others', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const blocks = planBlocks(20, 2); // 10 blocks in shards of 4: 0-3, 4-7, 8-9
    const { queue, observer, shards, open } = setup(1000, new MemoryShardQueue(), 4);
    const collected = open('train', 0, paramsAt(0), new AbortController().signal, blocks);
    await settle();
    queue.waiting.splice(0); // three workers take the shards
    expect(shards.accept(report('train', 0, 0, {}, 4, blocks), 0)).toBe('ACCEPTED');
    // Blocks 4-5 arrive from another grouping (a previous coordinator's shard); 6-9 never do.
    expect(shards.accept(report('train', 0, 4, { workerId: 'old' }, 2, blocks), 0)).toBe('ACCEPTED');
    vi.advanceTimersByTime(1000);
    await settle();
    expect(observer.reenqueued).toEqual([1]);
    expect(queue.waiting.map((q) => [q.id, q.blocks])).toEqual([['job-1-r0-b6-10', { first: 6, count: 4 }]]);
    // The straggler's shard 4-7 comes in after all: only 6-7 are new.
    expect(shards.accept(report('train', 0, 4, { workerId: 'slow' }, 4, blocks), 0)).toBe('ACCEPTED');
    vi.advanceTimersByTime(1000);
    await settle();
    expect(queue.waiting.map((q) => q.id)).toEqual(['job-1-r0-b8-10-a1', 'job-1-r0-b6-10']);
    expect(shards.accept(report('train', 0, 6, { workerId: 'copy' }, 4, blocks), 0)).toBe('ACCEPTED');
    const result = await collected;
    expect(result?.blocks.map((b) => b.workerId)).toEqual(['w0', 'w0', 'w0', 'w0', 'old', 'old', 'slow', 'slow', 'copy', 'copy']);
    expect(result?.workers).toEqual(['copy', 'old', 'slow', 'w0']);
  });

  describe('the next collection, enqueued ahead', () => {
    const next = (kind: ShardKind, version: number) => ({ kind, version, blocks: plan });

    it('is enqueued while the current one runs; a fetch of its version waits until it is published', async () => {
      const { queue, shards } = setup();
      const round0 = shards.collect({ kind: 'train', version: 0, params: paramsAt(0), blocks: plan, next: next('train', 1) }, new AbortController().signal);
      await settle();
      expect(queue.waiting.map((q) => q.id)).toEqual(['job-1-r0-b0-1', 'job-1-r0-b1-2', 'job-1-r1-b0-1', 'job-1-r1-b1-2']);
      expect(await shards.awaitParameters(2, 5)).toBeUndefined(); // not the one ahead: not held
      const early = shards.awaitParameters(1, 60_000); // a worker took a shard of round 1 early
      for (const { index } of plan) shards.accept(report('train', 0, index), 0);
      await round0;
      const theta1 = paramsAt(1);
      const round1 = shards.collect({ kind: 'train', version: 1, params: theta1, blocks: plan }, new AbortController().signal);
      expect(await early).toBe(theta1);
      await settle();
      // Round 1 was not enqueued again; it is open for reports.
      expect(queue.added).toEqual(['job-1-r0-b0-1', 'job-1-r0-b1-2', 'job-1-r1-b0-1', 'job-1-r1-b1-2']);
      for (const { index } of plan) expect(shards.accept(report('train', 1, index), 1)).toBe('ACCEPTED');
      expect(await round1).toBeDefined();
    });

    it('answers a fetch of its version "not published yet" after the wait, and at once when missing blocks go out again', async () => {
      const { shards } = setup(50);
      void shards.collect({ kind: 'train', version: 0, params: paramsAt(0), blocks: plan, next: next('eval', 1) }, new AbortController().signal);
      await settle();
      await expect(shards.awaitParameters(1, 5)).rejects.toEqual(new NotPublishedYetError('job-1', 1));
      const started = performance.now();
      // The straggler timer (50 ms) re-enqueues round 0's blocks: the waiting worker is let go.
      await expect(shards.awaitParameters(1, 60_000)).rejects.toBeInstanceOf(NotPublishedYetError);
      expect(performance.now() - started).toBeLessThan(5_000);
    });

    it('is not enqueued ahead when it computes from the version of the current one (the round after its evaluation)', async () => {
      const { queue, shards } = setup();
      void shards.collect({ kind: 'eval', version: 2, params: paramsAt(2), blocks: plan, next: next('train', 2) }, new AbortController().signal);
      await settle();
      expect(queue.waiting.map((q) => q.id)).toEqual(['job-1-r2-e0-1', 'job-1-r2-e1-2']);
    });

    it('lets waiting fetches go when the job stops', async () => {
      const { shards } = setup();
      const controller = new AbortController();
      const round0 = shards.collect({ kind: 'train', version: 0, params: paramsAt(0), blocks: plan, next: next('train', 1) }, controller.signal);
      await settle();
      const early = shards.awaitParameters(1, 60_000);
      controller.abort();
      expect(await round0).toBeUndefined();
      await expect(early).rejects.toBeInstanceOf(NotPublishedYetError);
    });
  });
});
