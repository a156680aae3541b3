import { setImmediate as nextTick } from 'node:timers/promises';
import { type ComputeContext, computeEvalShard, computeShard, exportModel } from '@metatrain/metalearn';
import type { ModelExporter } from '../job-loop';
import type { BlockCollection, CollectedBlock, CollectedBlocks, ShardRunner } from '../shard-runner';

/** The worker id of blocks computed in this process. */
export const IN_PROCESS_WORKER = 'in-process';

/**
 * Computes a job's blocks in this process, one block after another, exactly as a worker computes
 * a shard's blocks (`computeShard`, `computeEvalShard`): each block alone, so `train` and a
 * distributed run are equal bit for bit on one backend whatever the workers' shards hold.
 */
export class InProcessShards implements ShardRunner {
  constructor(
    private readonly ctx: ComputeContext,
    /** The backend this process selected (`selectBackend`). */
    private readonly backend: string,
  ) {}

  async collect(collection: BlockCollection, signal: AbortSignal): Promise<CollectedBlocks | undefined> {
    const blocks: CollectedBlock[] = [];
    for (const plan of collection.blocks) {
      // Between blocks the event loop turns, so a stop (Ctrl-C) is heard within one block.
      await nextTick();
      if (signal.aborted) return undefined;
      const [computed] =
        collection.kind === 'train'
          ? computeShard(this.ctx, collection.params, collection.version, [plan])
          : computeEvalShard(this.ctx, collection.params, [plan]).map((b) => ({ ...b, sum: [] }));
      if (!computed) throw new Error(`block ${plan.index} of version ${collection.version} computed nothing`);
      blocks.push({ block: plan.index, sum: computed.sum, metrics: computed.metrics, workerId: IN_PROCESS_WORKER, backend: this.backend });
    }
    return { blocks, workers: [IN_PROCESS_WORKER], backends: [this.backend] };
  }
}

/** The exporter of a job computed in this process. */
export function inProcessExporter(ctx: ComputeContext): ModelExporter {
  return (params, info) => exportModel(ctx, params, info);
}
