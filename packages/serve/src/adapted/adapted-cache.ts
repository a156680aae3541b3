import { randomUUID } from 'node:crypto';
import type { AdaptedModel } from '@metatrain/metalearn';

/** A model adapted by `POST /v1/models/{name}:adapt`, kept for later predictions. */
export interface AdaptedEntry {
  model: string;
  adapted: AdaptedModel;
  classNames: string[] | undefined;
}

/**
 * Adapted models by id: at most `capacity` (the least recently used goes first), each for
 * `ttlMs` after its last use. `now` is injectable for tests.
 */
export class AdaptedCache {
  private readonly entries = new Map<string, { entry: AdaptedEntry; expires: number }>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Keeps `entry`; returns its new id (random, unguessable). */
  add(entry: AdaptedEntry): string {
    const id = randomUUID();
    this.entries.set(id, { entry, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return id;
  }

  /** The entry, refreshed as just used; undefined when unknown, evicted or expired. */
  get(id: string): AdaptedEntry | undefined {
    const found = this.entries.get(id);
    if (!found) return undefined;
    this.entries.delete(id);
    if (found.expires <= this.now()) return undefined;
    this.entries.set(id, { entry: found.entry, expires: this.now() + this.ttlMs });
    return found.entry;
  }
}
