import { shardJobId } from '@metatrain/contract';
import type { BlockRange, ShardKind } from '@metatrain/core';
import type { EnqueueResult, QueueDepth, ShardQueue } from '../queue/shard-queue';

/** A shard waiting in a {@link MemoryShardQueue}. */
export interface QueuedShard {
  id: string;
  jobId: string;
  kind: ShardKind;
  version: number;
  /** The shard's blocks. */
  blocks: BlockRange;
}

/**
 * A ShardQueue in memory for unit tests: shards wait in a list, in the order they were asked
 * for (re-enqueued ones first), until a test takes them. Enqueueing the same block range twice
 * while it waits adds nothing, as with BullMQ's deterministic ids.
 */
export class MemoryShardQueue implements ShardQueue {
  readonly waiting: QueuedShard[] = [];
  /** Every id ever added, in order. */
  readonly added: string[] = [];
  private attempts = new Map<string, number>();

  async enqueue(jobId: string, kind: ShardKind, version: number, shards: readonly BlockRange[]): Promise<EnqueueResult> {
    return this.add(jobId, kind, version, shards, false);
  }

  async reenqueue(jobId: string, kind: ShardKind, version: number, shards: readonly BlockRange[]): Promise<EnqueueResult> {
    return this.add(jobId, kind, version, shards, true);
  }

  async removeJob(jobId: string): Promise<number> {
    const before = this.waiting.length;
    this.waiting.splice(0, this.waiting.length, ...this.waiting.filter((s) => s.jobId !== jobId));
    return before - this.waiting.length;
  }

  async depth(): Promise<QueueDepth> {
    return { waiting: 0, prioritized: this.waiting.length, active: 0, delayed: 0, total: this.waiting.length };
  }

  /** Takes the next waiting shard, as a worker would. */
  take(): QueuedShard | undefined {
    return this.waiting.shift();
  }

  private add(jobId: string, kind: ShardKind, version: number, shards: readonly BlockRange[], front: boolean): EnqueueResult {
    const result: EnqueueResult = { added: [], pending: [] };
    for (const blocks of shards) {
      const ref = { jobId, kind, version, firstBlock: blocks.first, blockCount: blocks.count };
      const base = shardJobId(ref);
      const waiting = this.waiting.find((s) => s.jobId === jobId && s.kind === kind && s.version === version && s.blocks.first === blocks.first && s.blocks.count === blocks.count);
      if (waiting) {
        result.pending.push(waiting.id);
        continue;
      }
      const attempt = this.attempts.get(base) ?? 0;
      this.attempts.set(base, attempt + 1);
      const queued = { id: shardJobId(ref, attempt), jobId, kind, version, blocks: { ...blocks } };
      if (front) this.waiting.unshift(queued);
      else this.waiting.push(queued);
      this.added.push(queued.id);
      result.added.push(queued.id);
    }
    return result;
  }
}
