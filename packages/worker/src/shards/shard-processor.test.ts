import type { ParamSet } from '@metatrain/core';
import { grpc, type ReportEvalRequest, type ReportHeader, type ReportShardResponse, ReportStatus, type ShardMessage } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import { ParameterSource } from '../cache/parameter-source';
import { fetchPublished } from '../grpc/fetch-published';
import type { ComputedShard, ShardTask } from '../compute/compute-thread';
import { ShardNotReadyError, ShardRejectedError, WorkerClosedError } from '../errors';
import type { ShardEvent } from './shard-event';
import { ShardProcessor, type ShardCompute, type ShardCoordinator } from './shard-processor';

const rpcError = (code: grpc.status, details: string): Error => Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
const message: ShardMessage = { kind: 'train', jobId: 'job-a', version: 3, firstBlock: 1, blockCount: 2 };
const sum: ParamSet = [{ name: 'w', shape: [1], values: new Float32Array([0.5]) }];

class FakeCoordinator implements ShardCoordinator {
  specCalls = 0;
  fetches = 0;
  headers: ReportHeader[] = [];
  sums: (readonly ParamSet[])[] = [];
  evals: ReportEvalRequest[] = [];
  answer: () => Promise<ReportShardResponse> = () => Promise.resolve({ status: ReportStatus.ACCEPTED, reason: '' });
  specError: Error | undefined;
  specText = 'spec text';
  fetchError: Error | undefined;

  getJobSpec(): Promise<string> {
    this.specCalls++;
    return this.specError ? Promise.reject(this.specError) : Promise.resolve(this.specText);
  }
  fetchParameters(): Promise<ParamSet> {
    this.fetches++;
    return this.fetchError ? Promise.reject(this.fetchError) : Promise.resolve(sum);
  }
  reportShard(header: ReportHeader, blockSums: readonly ParamSet[]): Promise<ReportShardResponse> {
    this.headers.push(header);
    this.sums.push(blockSums);
    return this.answer();
  }
  reportEval(request: ReportEvalRequest): Promise<ReportShardResponse> {
    this.evals.push(request);
    return this.answer();
  }
}

class FakeCompute implements ShardCompute {
  readonly backend = { name: 'wasm' as const, device: 'wasm (simd, 1 thread)' };
  tasks: ShardTask[] = [];
  aborted: string[] = [];
  hold: Promise<void> | undefined;

  async compute(task: ShardTask, _params: ParamSet, signal: AbortSignal): Promise<ComputedShard> {
    this.tasks.push(task);
    const onAbort = (): void => void this.aborted.push(signal.reason instanceof Error ? signal.reason.message : String(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    await this.hold;
    signal.removeEventListener('abort', onAbort);
    if (signal.aborted) throw new WorkerClosedError('aborted');
    return { sums: task.shardKind === 'train' ? [sum, sum] : [], computeMs: 12, metrics: [{ task: 2, preLoss: 2, postLoss: 1 }, { task: 3, preLoss: 3, postLoss: 1.5, preAccuracy: 0.2, postAccuracy: 0.6 }] };
  }
}

/** The worker's dataset resolution: records the spec texts it was asked for; fails while `failing` is set. */
class FakeData {
  asked: string[] = [];
  failing: Error | undefined;

  fetch(specText: string, _signal: AbortSignal): Promise<ReadonlyMap<string, string>> {
    this.asked.push(specText);
    if (this.failing) return Promise.reject(this.failing);
    return Promise.resolve(new Map([['dataset:omniglot-small1', '/data/omniglot-small1/images_background_small1.zip']]));
  }
}

function processor() {
  const coordinator = new FakeCoordinator();
  const compute = new FakeCompute();
  const logs: string[] = [];
  const events: ShardEvent[] = [];
  const data = new FakeData();
  const parameters = new ParameterSource({ fetch: (jobId, version) => fetchPublished(() => coordinator.fetchParameters(), jobId, version), log: (l) => logs.push(l) });
  const shards = new ShardProcessor({ coordinator, compute, parameters, workerId: 'w-1', log: (l) => logs.push(l), onShard: (e) => events.push(e), jobData: (_jobId, text, sig) => data.fetch(text, sig) });
  return { coordinator, compute, logs, events, shards, data };
}

const signal = (): AbortSignal => new AbortController().signal;

describe('ShardProcessor', () => {
  it('computes, reports with the full header and one sum per block, and completes on ACCEPTED', async () => {
    const { coordinator, compute, events, shards } = processor();
    expect(await shards.process('job-a-r3-b1-3', message, signal())).toEqual({ outcome: 'accepted' });
    expect(compute.tasks).toEqual([{ shardKind: 'train', jobId: 'job-a', specText: 'spec text', files: new Map([['dataset:omniglot-small1', '/data/omniglot-small1/images_background_small1.zip']]), version: 3, blocks: { first: 1, count: 2 } }]);
    expect(coordinator.sums).toEqual([[sum, sum]]);
    expect(coordinator.headers).toEqual([
      {
        jobId: 'job-a',
        version: 3,
        firstBlock: 1,
        blockCount: 2,
        workerId: 'w-1',
        backend: 'wasm',
        taskMetrics: [
          { taskIndex: 2, preLoss: 2, postLoss: 1 },
          { taskIndex: 3, preLoss: 3, postLoss: 1.5, preAccuracy: 0.2, postAccuracy: 0.6 },
        ],
        computeMs: 12,
      },
    ]);
    expect(events).toMatchObject([{ queueJobId: 'job-a-r3-b1-3', jobId: 'job-a', version: 3, firstBlock: 1, blockCount: 2, outcome: 'accepted', computeMs: 12 }]);
    expect(shards.shardsDone).toBe(1);
  });

  it('reports an evaluation shard with ReportEval: per-task metrics, no sum', async () => {
    const { coordinator, compute, shards } = processor();
    const evalMessage: ShardMessage = { ...message, kind: 'eval', version: 3, firstBlock: 1, blockCount: 1 };
    expect(await shards.process('job-a-r3-e1-2', evalMessage, signal())).toEqual({ outcome: 'accepted' });
    expect(compute.tasks[0]?.shardKind).toBe('eval');
    expect(coordinator.headers).toEqual([]);
    expect(coordinator.evals).toEqual([
      {
        jobId: 'job-a',
        version: 3,
        firstBlock: 1,
        blockCount: 1,
        workerId: 'w-1',
        backend: 'wasm',
        taskMetrics: [
          { taskIndex: 2, preLoss: 2, postLoss: 1 },
          { taskIndex: 3, preLoss: 3, postLoss: 1.5, preAccuracy: 0.2, postAccuracy: 0.6 },
        ],
        computeMs: 12,
      },
    ]);
    coordinator.answer = () => Promise.resolve({ status: ReportStatus.STALE, reason: 'over' });
    expect(await shards.process('job-a-r3-e2-3', { ...evalMessage, firstBlock: 2 }, signal())).toEqual({ outcome: 'stale', reason: 'over' });
  });

  it('asks for the spec, and fetches its datasets, once per job', async () => {
    const { coordinator, data, shards } = processor();
    await shards.process('a', message, signal());
    await shards.process('b', { ...message, firstBlock: 3 }, signal());
    expect(coordinator.specCalls).toBe(1);
    expect(coordinator.fetches).toBe(1);
    expect(data.asked).toEqual(['spec text']);
  });

  it('fails the shard (BullMQ retries it) when its datasets cannot be had, and tries again with the next', async () => {
    const { compute, data, events, logs, shards } = processor();
    data.failing = new Error('dataset omniglot-small1: could not reach example.org (getaddrinfo ENOTFOUND example.org); download …');
    await expect(shards.process('a', message, signal())).rejects.toThrow(data.failing);
    expect(compute.tasks).toEqual([]);
    expect(events.map((e) => e.outcome)).toEqual(['failed']);
    expect(logs).toEqual([`worker: shard a failed (it will be retried): ${data.failing.message}`]);
    data.failing = undefined;
    expect(await shards.process('a', message, signal())).toEqual({ outcome: 'accepted' });
    expect(data.asked).toHaveLength(2);
  });

  it.each([
    [ReportStatus.DUPLICATE, 'duplicate'],
    [ReportStatus.STALE, 'stale'],
  ] as const)('completes on %s', async (status, outcome) => {
    const { coordinator, shards } = processor();
    coordinator.answer = () => Promise.resolve({ status, reason: 'why' });
    expect(await shards.process('a', message, signal())).toEqual({ outcome, reason: 'why' });
  });

  it('throws on REJECTED and on transient errors, so that BullMQ retries', async () => {
    const { coordinator, events, logs, shards } = processor();
    coordinator.answer = () => Promise.resolve({ status: ReportStatus.REJECTED, reason: 'sum: parameter 0 is "x" [2]' });
    await expect(shards.process('a', message, signal())).rejects.toThrow(new ShardRejectedError('sum: parameter 0 is "x" [2]'));
    coordinator.answer = () => Promise.reject(rpcError(grpc.status.UNAVAILABLE, 'down'));
    await expect(shards.process('b', message, signal())).rejects.toThrow('down');
    expect(events.map((e) => e.outcome)).toEqual(['failed', 'failed']);
    expect(logs).toEqual([
      'worker: shard a failed (it will be retried): report rejected by the coordinator: sum: parameter 0 is "x" [2]',
      'worker: shard b failed (it will be retried): UNAVAILABLE: down',
    ]);
  });

  it('completes without a result when the job is gone or does not hold the version, with one log line', async () => {
    const { coordinator, logs, shards } = processor();
    coordinator.specError = rpcError(grpc.status.NOT_FOUND, 'job_id: no job "job-a"');
    expect(await shards.process('a', message, signal())).toEqual({ outcome: 'dropped', reason: 'NOT_FOUND: job_id: no job "job-a"' });
    coordinator.specError = undefined;
    coordinator.answer = () => Promise.reject(rpcError(grpc.status.FAILED_PRECONDITION, 'job is not running'));
    expect(await shards.process('b', message, signal())).toEqual({ outcome: 'dropped', reason: 'FAILED_PRECONDITION: job is not running' });
    expect(logs).toEqual(['worker: dropped shard a: NOT_FOUND: job_id: no job "job-a"', 'worker: dropped shard b: FAILED_PRECONDITION: job is not running']);
  });

  it('stops the computation when aborted, and says the shard was handed back', async () => {
    const { compute, events, shards } = processor();
    let release: () => void = () => undefined;
    compute.hold = new Promise((resolve) => (release = resolve));
    const controller = new AbortController();
    const processing = shards.process('a', message, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new WorkerClosedError('shutdown grace period over'));
    release();
    await expect(processing).rejects.toThrow(WorkerClosedError);
    expect(compute.aborted).toEqual(['shutdown grace period over']);
    expect(events.map((e) => e.outcome)).toEqual(['handed-back']);
  });

  it('gives a shard taken before its parameters are published back, as not ready, without a log line', async () => {
    const { coordinator, events, logs, shards } = processor();
    coordinator.fetchError = rpcError(grpc.status.ABORTED, 'version: job "job-a" has not published parameter version 3 yet');
    await expect(shards.process('a', message, signal())).rejects.toThrow(ShardNotReadyError);
    expect(events.map((e) => [e.outcome, e.reason])).toEqual([['not-ready', 'ABORTED: version: job "job-a" has not published parameter version 3 yet']]);
    expect(coordinator.headers).toEqual([]);
    expect(logs).toEqual([]);
  });
});
