import { type ComputeContext, computeEvalShard, computeShard, createComputeContext } from '@metatrain/metalearn';
import { createTaskFamily, parseSpecText } from '@metatrain/core';
import { LruMap } from '../cache/lru-map';
import { ParameterCache, type ParameterCacheOptions } from '../cache/parameter-cache';
import { type ComputeRequest, serializeError, type ComputeDone, type ComputeFailed, type NeedsParameters } from './thread-protocol';

/** Limits of a {@link ShardComputer}. */
export interface ShardComputerOptions extends ParameterCacheOptions {
  /** Relative dataset paths in specs resolve against it. */
  dataDir: string;
  /** Compute contexts kept (one per job; Omniglot's holds its decoded images). @default 4 */
  contexts?: number;
}

/**
 * The compute thread's state and work: compute contexts per job, parameters per (job,
 * version), and `computeShard` on them. It has no thread or message-port code, so tests run
 * it directly; thread-main.ts wires it to the port.
 *
 * The shard is computed exactly as `train` computes it in process (`computeShard`, or
 * `computeEvalShard` for an evaluation shard, on a context built from the same spec), which
 * is what makes the distributed results equal the in-process ones bit for bit on one backend.
 */
export class ShardComputer {
  private readonly contexts: LruMap<string, { specText: string; ctx: ComputeContext }>;
  private readonly parameters: ParameterCache;

  constructor(private readonly options: ShardComputerOptions) {
    this.contexts = new LruMap(options.contexts ?? 4);
    this.parameters = new ParameterCache(options);
  }

  /** Computes the shard of `request`, or says which parameters it needs first. Never throws. */
  handle(request: ComputeRequest): ComputeDone | NeedsParameters | ComputeFailed {
    try {
      if (request.params) this.parameters.put(request.jobId, request.version, request.params);
      const params = this.parameters.get(request.jobId, request.version);
      if (!params) return { kind: 'needs-parameters', id: request.id };
      const ctx = this.context(request.jobId, request.specText, request.files);
      const started = performance.now();
      if (request.shardKind === 'eval') {
        const metrics = computeEvalShard(ctx, params, request.shard);
        return { kind: 'computed', id: request.id, sum: [], metrics, computeMs: performance.now() - started };
      }
      const result = computeShard(ctx, params, request.version, request.shard);
      const computeMs = performance.now() - started;
      return { kind: 'computed', id: request.id, sum: result.sum, metrics: result.metrics, computeMs };
    } catch (error) {
      return { kind: 'failed', id: request.id, error: serializeError(error) };
    }
  }

  /** The parameter versions held for `jobId` (for tests). */
  heldVersions(jobId: string): number[] {
    return this.parameters.versions(jobId);
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
