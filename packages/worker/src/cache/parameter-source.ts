import type { Log, ParamSet } from '@metatrain/core';
import { untilAborted } from '../until-aborted';
import { ParameterCache, type ParameterCacheOptions } from './parameter-cache';

/** Options of a {@link ParameterSource}. */
export interface ParameterSourceOptions extends ParameterCacheOptions {
  /** GetParameters (CoordinatorClient.fetchParameters). */
  fetch: (jobId: string, version: number) => Promise<ParamSet>;
  log: Log;
}

/**
 * θ for the worker's compute threads, fetched once per (job, version) in the main thread
 * (docs/ARCHITECTURE.md §5): concurrent asks for one version share one GetParameters call,
 * versions are kept in a {@link ParameterCache}, and the values are copied once into
 * SharedArrayBuffers, so every thread reads the same memory and no shard copies them.
 * `prefetch` fetches a version the coordinator announced before any shard asks for it.
 */
export class ParameterSource {
  private readonly cache: ParameterCache;
  private readonly inFlight = new Map<string, Promise<ParamSet>>();
  private count = 0;
  private prefetchCount = 0;

  constructor(private readonly options: ParameterSourceOptions) {
    this.cache = new ParameterCache(options);
  }

  /** GetParameters calls made since the start (asked for, prefetched, failed or not). */
  get fetches(): number {
    return this.count;
  }

  /** Of {@link fetches}, those started by {@link prefetch}. */
  get prefetches(): number {
    return this.prefetchCount;
  }

  /**
   * θ_version of `jobId`: held, being fetched, or fetched now. `signal` stops this caller's
   * wait, not the fetch, which others may share.
   * @throws what the fetch throws (nothing is kept: the next ask fetches again); `signal`'s
   *   abort as `reason`.
   */
  get(jobId: string, version: number, signal?: AbortSignal, reason = 'aborted while fetching parameters'): Promise<ParamSet> {
    const held = this.cache.get(jobId, version);
    if (held) return Promise.resolve(held);
    return untilAborted(this.load(jobId, version), signal, reason);
  }

  /**
   * Starts fetching θ_version of `jobId` when this worker worked on the job recently (the
   * cache holds one of its versions) and does not hold or fetch it yet. Never throws: a failure
   * is logged and costs only the fetch on demand. Returns whether a fetch started.
   */
  prefetch(jobId: string, version: number): boolean {
    if (!this.cache.jobs().includes(jobId) || this.cache.versions(jobId).includes(version) || this.inFlight.has(key(jobId, version))) return false;
    this.prefetchCount++;
    this.load(jobId, version).catch((error: unknown) => this.options.log(`worker: prefetching version ${version} of job ${jobId} failed: ${error instanceof Error ? error.message : String(error)}`, { jobId, level: 'warn' }));
    return true;
  }

  /** Whether θ_version of `jobId` is held (for tests and metrics). */
  holds(jobId: string, version: number): boolean {
    return this.cache.versions(jobId).includes(version);
  }

  private load(jobId: string, version: number): Promise<ParamSet> {
    const k = key(jobId, version);
    let loading = this.inFlight.get(k);
    if (!loading) {
      this.count++;
      loading = this.options
        .fetch(jobId, version)
        .then((params) => {
          const shared = toShared(params);
          this.cache.put(jobId, version, shared);
          return shared;
        })
        .finally(() => this.inFlight.delete(k));
      this.inFlight.set(k, loading);
    }
    return loading;
  }
}

function key(jobId: string, version: number): string {
  return `${jobId}\u0000${version}`;
}

/** `params` with every array in one SharedArrayBuffer: posted to a thread, it is shared, not copied. */
export function toShared(params: ParamSet): ParamSet {
  const total = params.reduce((n, p) => n + p.values.length, 0);
  const memory = new SharedArrayBuffer(total * Float32Array.BYTES_PER_ELEMENT);
  let offset = 0;
  return params.map((p) => {
    const values = new Float32Array(memory, offset * Float32Array.BYTES_PER_ELEMENT, p.values.length);
    values.set(p.values);
    offset += p.values.length;
    return { name: p.name, shape: [...p.shape], values };
  });
}
