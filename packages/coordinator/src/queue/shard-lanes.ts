import { DEFAULT_QUEUE_NAME, type Lane, laneQueueName } from '@metatrain/contract';
import { BACKEND_NAMES } from '@metatrain/core';
import { retryUntilConnected } from '../retry-until-connected';
import { BullShardQueue, type QueueErrorHandler } from './bull-shard-queue';
import type { QueueDepth, ShardQueue } from './shard-queue';
import type { ShardQueueOptions } from './shard-queue-options';

/**
 * A coordinator's shard queues, one per lane (pool, backend): a job's shards go to the queue
 * of its lane only, which only the workers of that pool and backend consume
 * (docs/ARCHITECTURE.md §5, Pools).
 */
export interface ShardLanes {
  /** The queue of `lane`, opened on first use. */
  queue(lane: Lane): Promise<ShardQueue>;
  /** Shards not yet done: in the lanes of `pool` (every backend's), or in every lane opened so far. */
  depth(pool?: string): Promise<QueueDepth>;
}

/** No shard at all. */
export const EMPTY_DEPTH: QueueDepth = { waiting: 0, prioritized: 0, active: 0, delayed: 0, total: 0 };

/** The sum of `depths`, state by state. */
export function addDepths(depths: readonly QueueDepth[]): QueueDepth {
  return depths.reduce((sum, d) => ({
    waiting: sum.waiting + d.waiting,
    prioritized: sum.prioritized + d.prioritized,
    active: sum.active + d.active,
    delayed: sum.delayed + d.delayed,
    total: sum.total + d.total,
  }), EMPTY_DEPTH);
}

/**
 * {@link ShardLanes} on BullMQ: the lane's queue is `{queueName}.{pool}.{backend}`
 * (laneQueueName), a {@link BullShardQueue} each, with its own fair-share record, so fair
 * sharing holds among the jobs of a lane. A lane is opened when a job of it first enqueues
 * (after a restart, when its jobs resume), so the lanes opened are those that can hold shards.
 */
export class BullShardLanes implements ShardLanes {
  private readonly opened = new Map<string, { lane: Lane; queue: Promise<BullShardQueue> }>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: ShardQueueOptions,
    private readonly log: (line: string) => void,
    private readonly onError?: QueueErrorHandler,
  ) {}

  queue(lane: Lane): Promise<ShardQueue> {
    if (this.closing) return Promise.reject(new Error('shard queues: closed'));
    const queueName = laneQueueName(this.options.queueName ?? DEFAULT_QUEUE_NAME, lane);
    const known = this.opened.get(queueName);
    if (known) return known.queue;
    // Waits for Redis (a line per attempt) as the coordinator's start does.
    const queue = retryUntilConnected(`the shard queue ${queueName}`, () => BullShardQueue.create({ ...this.options, queueName }, this.onError), this.log);
    // A lane that failed to open is opened again by the next caller.
    queue.catch(() => this.opened.delete(queueName));
    this.opened.set(queueName, { lane, queue });
    return queue;
  }

  async depth(pool?: string): Promise<QueueDepth> {
    // A pool's lanes are all counted, opened or not: the backlog its workers scale on must not
    // depend on which jobs this coordinator has run since it started.
    const queues = pool === undefined ? [...this.opened.values()].map((o) => o.queue) : BACKEND_NAMES.map((backend) => this.queue({ pool, backend }));
    return addDepths(await Promise.all(queues.map(async (queue) => (await queue).depth())));
  }

  /** Closes every lane's queue; idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const results = await Promise.allSettled([...this.opened.values()].map(async (o) => (await o.queue).close()));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'shard queues: close failed');
    })());
  }
}
