import type { ParamSet } from '@metatrain/core';
import { LruMap } from './lru-map';

/** Limits of a {@link ParameterCache}. */
export interface ParameterCacheOptions {
  /**
   * Versions kept per job, newest first. Two covers a worker still finishing a shard of
   * round r while the first shards of round r + 1 arrive.
   * @default 2
   */
  versionsPerJob?: number;
  /** Jobs kept, least recently used dropped first. @default 4 */
  jobs?: number;
}

/**
 * Parameter versions by (job, version), fetched once and reused by every shard of the round
 * (docs/ARCHITECTURE.md §5). A version never changes once written (θ_r is a function of
 * (spec, r)), so entries need no invalidation, only eviction: per job the version last put
 * and the newest others, `versionsPerJob` in all, and at most `jobs` jobs.
 */
export class ParameterCache {
  private readonly byJob: LruMap<string, Map<number, ParamSet>>;
  private readonly versionsPerJob: number;

  constructor(options: ParameterCacheOptions = {}) {
    this.versionsPerJob = options.versionsPerJob ?? 2;
    if (!Number.isSafeInteger(this.versionsPerJob) || this.versionsPerJob < 1) {
      throw new RangeError(`versionsPerJob must be a positive integer, got ${this.versionsPerJob}`);
    }
    this.byJob = new LruMap(options.jobs ?? 4);
  }

  get(jobId: string, version: number): ParamSet | undefined {
    return this.byJob.get(jobId)?.get(version);
  }

  /**
   * Keeps `params` as version `version` of `jobId`, with the newest others up to
   * `versionsPerJob`. The version just put always stays, however old: the shard in hand needs
   * it, and after the coordinator resumed from an older checkpoint it is the current one (a
   * late old shard costs the newer versions at most a second fetch, never the newest).
   */
  put(jobId: string, version: number, params: ParamSet): void {
    const versions = this.byJob.get(jobId) ?? new Map<number, ParamSet>();
    versions.set(version, params);
    const others = [...versions.keys()].filter((v) => v !== version).sort((a, b) => b - a);
    for (const old of others.slice(this.versionsPerJob - 1)) versions.delete(old);
    this.byJob.set(jobId, versions);
  }

  /** The versions held for `jobId`, ascending (for tests and debug logs). */
  versions(jobId: string): number[] {
    return [...(this.byJob.get(jobId)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** The jobs held, least recently used first. */
  jobs(): string[] {
    return this.byJob.keys();
  }

  clear(): void {
    this.byJob.clear();
  }
}
