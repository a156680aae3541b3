import { setTimeout as sleep } from 'node:timers/promises';
import { type BackendInfo, type BlockPlan, blocksInRange, type JobSpec, type ParamSet, parseSpecText, planCollectionBlocks } from '@metatrain/core';
import { LruMap } from '../../cache/lru-map';
import { WorkerClosedError } from '../../errors';
import type { WorkerCompute } from '../start-compute';
import type { ComputedShard, ShardTask } from '../compute-thread';
import type { FakeComputeOptions } from '../fake-compute-switch';

// Test mode only (fake-compute-switch.ts), and in no image (.dockerignore leaves testing/ out).

/**
 * A compute stub for orchestration tests and the scaling benchmark: it does everything a
 * ShardCompute does around the computation (plans the shard's blocks from the spec's
 * `blockSize`, answers one sum per block in θ's layout and one metric per task) but, instead
 * of computing, waits `msPerTask` per task on a timer, `threads` shards at once like a pool of
 * compute threads. The main thread stays free meanwhile, as it does while compute threads
 * work, so many stub workers can share one process. Sums are zeros (the outer step leaves θ
 * unchanged under Adam and SGD); losses are finite constants.
 */
export class FakeCompute implements WorkerCompute {
  readonly backend: BackendInfo;
  readonly size: number;
  /** A zero sum shaped like θ, per (job, version). */
  private readonly zeros = new LruMap<string, ParamSet>(4);
  private readonly specs = new LruMap<string, { specText: string; spec: JobSpec }>(4);
  private readonly closed = new AbortController();

  constructor(private readonly options: FakeComputeOptions & { threads: number }) {
    this.backend = { name: 'cpu', device: `compute stub (${options.msPerTask} ms per task)` };
    this.size = options.threads;
  }

  /** @throws Error naming the range when it is not inside the collection's plan; WorkerClosedError when `signal` aborts or after close(). */
  async compute(task: ShardTask, params: ParamSet, signal: AbortSignal): Promise<ComputedShard> {
    if (this.closed.signal.aborted) throw new WorkerClosedError('the compute stub was closed');
    const blocks = this.blocks(task);
    const zero = this.zeroSum(task, params);
    const tasks = blocks.flatMap((b) => Array.from({ length: b.end - b.start }, (_, k) => b.start + k));
    const started = performance.now();
    const stop = AbortSignal.any([signal, this.closed.signal]);
    try {
      await sleep(this.options.msPerTask * tasks.length, undefined, { signal: stop });
    } catch {
      throw new WorkerClosedError(String(stop.reason));
    }
    return {
      sums: task.shardKind === 'train' ? blocks.map(() => zero) : [],
      metrics: tasks.map((t) => ({ task: t, preLoss: 1, postLoss: 0.5 })),
      computeMs: performance.now() - started,
    };
  }

  /** Ends every wait in progress (those shards fail with WorkerClosedError); idempotent. */
  close(): Promise<void> {
    this.closed.abort('the compute stub was closed');
    return Promise.resolve();
  }

  private blocks(task: ShardTask): BlockPlan[] {
    let held = this.specs.get(task.jobId);
    if (held?.specText !== task.specText) {
      held = { specText: task.specText, spec: parseSpecText(task.specText) };
      this.specs.set(task.jobId, held);
    }
    const blocks = blocksInRange(planCollectionBlocks(held.spec, task.shardKind), task.blocks);
    if ('problem' in blocks) throw new Error(`shard message: ${blocks.problem} of the ${task.shardKind === 'train' ? 'round' : 'evaluation'}`);
    return blocks;
  }

  private zeroSum(task: ShardTask, params: ParamSet): ParamSet {
    const key = `${task.jobId}@${task.version}`;
    let zero = this.zeros.get(key);
    if (zero === undefined) {
      zero = params.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.values.length) }));
      this.zeros.set(key, zero);
    }
    return zero;
  }
}
