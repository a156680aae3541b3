import type { Lane } from '@metatrain/contract';
import type { QueueDepth, ShardQueue } from '../queue/shard-queue';
import type { ShardLanes } from '../queue/shard-lanes';
import { MemoryShardQueue } from './memory-shard-queue';

/**
 * ShardLanes in memory for unit tests: every lane is the one {@link MemoryShardQueue} `shared`,
 * so a test takes shards as before; `opened` records the lanes asked for, in order.
 */
export class MemoryShardLanes implements ShardLanes {
  readonly opened: Lane[] = [];

  constructor(readonly shared = new MemoryShardQueue()) {}

  async queue(lane: Lane): Promise<ShardQueue> {
    this.opened.push(lane);
    return this.shared;
  }

  depth(): Promise<QueueDepth> {
    return this.shared.depth();
  }
}
