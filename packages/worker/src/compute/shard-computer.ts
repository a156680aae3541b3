import { type ComputeContext, computeEvalShard, computeShard, createComputeContext } from '@metatrain/metalearn';
import { type BlockRange, blocksInRange, createTaskFamily, parseSpecText, planCollectionBlocks, type ShardKind } from '@metatrain/core';
import { LruMap } from '../cache/lru-map';
import { type ComputeRequest, serializeError, type ComputeDone, type ComputeFailed } from './thread-protocol';

/** Limits of a {@link ShardComputer}. */
export interface ShardComputerOptions {
  /** Relative dataset paths in specs resolve against it. */
  dataDir: string;
  /** Compute contexts kept (one per job; Omniglot's holds its decoded images). @default 4 */
  contexts?: number;
}

/**
 * A compute thread's state and work: compute contexts per job, and `computeShard` on them
 * with the parameters each request carries (the main thread's ParameterSource holds them): a shard's blocks, each computed alone. It has no
 * thread or message-port code, so tests run it directly; thread-main.ts wires it to the port.
 *
 * Each block is computed exactly as `train` computes it in process (`computeShard`, or
 * `computeEvalShard` for an evaluation shard, on a context built from the same spec), which
 * is what makes the distributed results equal the in-process ones bit for bit on one backend,
 * however the blocks are grouped into shards.
 */
export class ShardComputer {
  private readonly contexts: LruMap<string, { specText: string; ctx: ComputeContext }>;

  constructor(private readonly options: ShardComputerOptions) {
    this.contexts = new LruMap(options.contexts ?? 4);
  }

  /** Computes the shard of `request`. Never throws. */
  handle(request: ComputeRequest): ComputeDone | ComputeFailed {
    try {
      const { params } = request;
      const ctx = this.context(request.jobId, request.specText, request.files);
      const blocks = shardBlocks(ctx, request.shardKind, request.blocks);
      const started = performance.now();
      if (request.shardKind === 'eval') {
        const metrics = computeEvalShard(ctx, params, blocks).flatMap((b) => b.metrics);
        return { kind: 'computed', id: request.id, sums: [], metrics, computeMs: performance.now() - started };
      }
      const results = computeShard(ctx, params, request.version, blocks);
      const computeMs = performance.now() - started;
      return { kind: 'computed', id: request.id, sums: results.map((r) => r.sum), metrics: results.flatMap((r) => r.metrics), computeMs };
    } catch (error) {
      return { kind: 'failed', id: request.id, error: serializeError(error) };
    }
  }

  private context(jobId: string, specText: string, files: ReadonlyMap<string, string>): ComputeContext {
    const held = this.contexts.get(jobId);
    if (held && held.specText === specText) return held.ctx;
    const spec = parseSpecText(specText);
    // No I/O beyond reading the files: the main thread fetched the spec's data (ShardProcessor).
    const family = createTaskFamily(spec.tasks, { baseDir: this.options.dataDir, files });
    const ctx = createComputeContext(spec, family);
    this.contexts.set(jobId, { specText, ctx });
    return ctx;
  }
}

/** The blocks a shard message names, planned from the job's spec. @throws Error naming the range when it is not inside the plan. */
function shardBlocks(ctx: ComputeContext, kind: ShardKind, range: BlockRange) {
  const blocks = blocksInRange(planCollectionBlocks(ctx.spec, kind), range);
  if ('problem' in blocks) throw new Error(`shard message: ${blocks.problem} of the ${kind === 'train' ? 'round' : 'evaluation'}`);
  return blocks;
}
