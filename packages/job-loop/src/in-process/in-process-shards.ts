import { setImmediate as nextTick } from 'node:timers/promises';
import { type ComputeContext, computeEvalShard, computeShard, exportModel } from '@metatrain/metalearn';
import type { ModelExporter } from '../job-loop';
import type { CollectedShard, CollectedShards, ShardCollection, ShardRunner } from '../shard-runner';

/** The worker id of shards computed in this process. */
export const IN_PROCESS_WORKER = 'in-process';

/**
 * Computes a job's shards in this process, one after another, exactly as a worker computes
 * them (`computeShard`, `computeEvalShard`): what makes `train` and a distributed run equal bit
 * for bit on one backend.
 */
export class InProcessShards implements ShardRunner {
  constructor(
    private readonly ctx: ComputeContext,
    /** The backend this process selected (`selectBackend`). */
    private readonly backend: string,
  ) {}

  async collect(collection: ShardCollection, signal: AbortSignal): Promise<CollectedShards | undefined> {
    const shards: CollectedShard[] = [];
    for (const plan of collection.shards) {
      // Between shards the event loop turns, so a stop (Ctrl-C) is heard within one shard.
      await nextTick();
      if (signal.aborted) return undefined;
      const computed =
        collection.kind === 'train'
          ? computeShard(this.ctx, collection.params, collection.version, plan)
          : { sum: [], metrics: computeEvalShard(this.ctx, collection.params, plan) };
      shards.push({ shard: plan.index, sum: computed.sum, metrics: computed.metrics, workerId: IN_PROCESS_WORKER, backend: this.backend });
    }
    return { shards, workers: [IN_PROCESS_WORKER], backends: [this.backend] };
  }
}

/** The exporter of a job computed in this process. */
export function inProcessExporter(ctx: ComputeContext): ModelExporter {
  return (params, info) => exportModel(ctx, params, info);
}
