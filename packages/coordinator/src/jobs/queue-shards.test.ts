import { type ParamSet, type ParamShape, planShards, type ShardKind, sizeOf } from '@metatrain/core';
import type { CollectedShards } from '@metatrain/job-loop';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ShardReport } from '../rounds/shard-report';
import { MemoryShardQueue } from '../testing/memory-shard-queue';
import { RecordingObserver } from '../testing/recording-observer';
import { QueueShards } from './queue-shards';

const layout: ParamShape[] = [
  { name: 'dense/kernel', shape: [2, 2] },
  { name: 'dense/bias', shape: [2] },
];
// Four tasks in shards of two: tasks 0-1 and 2-3.
const plan = planShards(4, 2);

/** θ_version, a fresh object each call (so identity shows which one was kept). */
function paramsAt(version: number): ParamSet {
  return layout.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(sizeOf(p.shape)).fill(version) }));
}

function report(kind: ShardKind, version: number, shard: number, extra: Partial<ShardReport> = {}): ShardReport {
  const { start, end } = plan[shard] ?? { start: 0, end: 1 };
  const metrics = Array.from({ length: end - start }, (_, k) => ({ task: start + k, preLoss: 2, postLoss: 1 }));
  return { kind, version, shard, sum: kind === 'train' ? paramsAt(shard + 1) : [], metrics, workerId: `w${shard}`, backend: 'cpu', ...extra };
}

/** Lets every pending promise run (the memory queue answers in microtasks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(shardDeadlineMs = 600_000, queue = new MemoryShardQueue()) {
  const observer = new RecordingObserver();
  const log: string[] = [];
  const shards = new QueueShards({ jobId: 'job-1', layout, queue, observer, shardDeadlineMs, log: (line) => log.push(line) });
  /** Opens a collection of the plan (its shards are on the queue after a settle()). */
  const open = (kind: ShardKind, version: number, params = paramsAt(version), signal = new AbortController().signal) =>
    shards.collect({ kind, version, params, shards: plan }, signal);
  /** Opens a collection and reports every shard of it. */
  const complete = async (kind: ShardKind, version: number, params = paramsAt(version)): Promise<CollectedShards | undefined> => {
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
  it('enqueues a collection and hands back its reports in shard order, first result winning', async () => {
    const { queue, shards, open } = setup();
    const collected = open('train', 0);
    expect(await Promise.race([collected, settle().then(() => 'waiting')])).toBe('waiting');
    expect(queue.waiting.map((s) => s.id)).toEqual(['job-1-r0-s0', 'job-1-r0-s1']);
    expect(shards.accept(report('train', 0, 1, { workerId: 'b', backend: 'wasm' }), 0)).toBe('ACCEPTED');
    expect(shards.accept(report('train', 0, 1, { workerId: 'late', sum: paramsAt(9) }), 0)).toBe('DUPLICATE');
    expect(shards.accept(report('train', 0, 0, { workerId: 'a' }), 0)).toBe('ACCEPTED');
    const result = await collected;
    expect(result?.shards.map((s) => [s.shard, s.workerId, s.backend, s.sum[0]?.values[0]])).toEqual([
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
    expect(shards.accept(report('train', 2, 0, { sum: paramsAt(1).slice(0, 1) }), 2)).toEqual({ rejected: "sum: 1 parameters, the job's layout has 2" });
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
    expect((await evaluation)?.shards.map((s) => s.shard)).toEqual([0, 1]);
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
    expect(queue.added).toEqual(['job-1-r0-s0', 'job-1-r0-s1']);
  });

  it('enqueues nothing for a signal aborted before it starts', async () => {
    const { queue, shards } = setup();
    const signal = AbortSignal.abort();
    expect(await shards.collect({ kind: 'train', version: 0, params: paramsAt(0), shards: plan }, signal)).toBeUndefined();
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

  it('asks again every deadline for the shards still missing, until the collection is complete', async () => {
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
    expect(queue.waiting.map((s) => s.id)).toEqual(['job-1-r0-s1-a1']);
    // Still missing a deadline later: asked for again, though its copy is still waiting.
    vi.advanceTimersByTime(1000);
    await settle();
    expect(observer.reenqueued).toEqual([1, 1]);
    expect(shards.accept(report('train', 0, 1, { workerId: 'copy' }), 0)).toBe('ACCEPTED');
    expect((await collected)?.workers).toEqual(['copy', 'w0']);
    vi.advanceTimersByTime(5000);
    await settle();
    expect(observer.reenqueued).toEqual([1, 1]);
    expect(queue.added).toEqual(['job-1-r0-s0', 'job-1-r0-s1', 'job-1-r0-s1-a1']);
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
    expect((await collected)?.shards).toHaveLength(2);
  });
});
