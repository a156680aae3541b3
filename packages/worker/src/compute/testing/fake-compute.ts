import { setTimeout as sleep } from 'node:timers/promises';
import { type BackendInfo, type BlockPlan, blocksInRange, type JobSpec, type ParamSet, parseSpecText, planCollectionBlocks } from '@metatrain/core';
import { LruMap } from '../../cache/lru-map';
import { WorkerClosedError } from '../../errors';
import type { ShardCompute } from '../../shards/shard-processor';
import type { ComputedShard, ShardTask } from '../compute-thread';
import type { FakeComputeOptions } from '../fake-compute-switch';

// Test mode only (fake-compute-switch.ts), and in no image (.dockerignore leaves testing/ out).

/**
 * A compute stub for orchestration tests and the scaling benchmark: it does everything a
 * ShardCompute does around the computation (plans the shard's blocks from the spec's
 * `blockSize`, fetches θ once per (job, version) through `fetchParameters`, answers one sum per
 * block in θ's layout and one metric per task) but, instead of computing, waits
 * `msPerTask` per task on a timer. The main thread stays free meanwhile, as it does while a
 * compute thread works, so many stub workers can share one process. Sums are zeros (the outer
 * step leaves θ unchanged under Adam and SGD); losses are finite constants.
 */
export class FakeCompute implements ShardCompute {
  readonly backend: BackendInfo;
  /** A zero sum shaped like θ, per (job, version): holding it means θ of that version was fetched. */
  private readonly zeros = new LruMap<string, ParamSet>(4);
  private readonly specs = new LruMap<string, { specText: string; spec: JobSpec }>(4);
  private waiting: AbortController | undefined;
  private closed = false;

  constructor(private readonly options: FakeComputeOptions) {
    this.backend = { name: 'cpu', device: `compute stub (${options.msPerTask} ms per task)` };
  }

  /** @throws Error naming the range when it is not inside the collection's plan; WorkerClosedError after abort() or close(). */
  async compute(task: ShardTask, fetchParameters: () => Promise<ParamSet>): Promise<ComputedShard> {
    if (this.closed) throw new WorkerClosedError('the compute stub was closed');
    const blocks = this.blocks(task);
    const zero = await this.zeroSum(task, fetchParameters);
    const tasks = blocks.flatMap((b) => Array.from({ length: b.end - b.start }, (_, k) => b.start + k));
    const started = performance.now();
    const waiting = (this.waiting = new AbortController());
    try {
      await sleep(this.options.msPerTask * tasks.length, undefined, { signal: waiting.signal });
    } catch {
      throw new WorkerClosedError(String(waiting.signal.reason));
    } finally {
      this.waiting = undefined;
    }
    return {
      sums: task.shardKind === 'train' ? blocks.map(() => zero) : [],
      metrics: tasks.map((t) => ({ task: t, preLoss: 1, postLoss: 0.5 })),
      computeMs: performance.now() - started,
    };
  }

  /** Ends the wait in progress; the shard fails with WorkerClosedError. */
  abort(reason: string): Promise<void> {
    this.waiting?.abort(reason);
    return Promise.resolve();
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    return this.abort('the compute stub was closed');
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

  private async zeroSum(task: ShardTask, fetchParameters: () => Promise<ParamSet>): Promise<ParamSet> {
    const key = `${task.jobId}@${task.version}`;
    let zero = this.zeros.get(key);
    if (zero === undefined) {
      const started = performance.now();
      const params = await fetchParameters();
      this.options.onParameters?.(performance.now() - started);
      zero = params.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.values.length) }));
      this.zeros.set(key, zero);
    }
    return zero;
  }
}
