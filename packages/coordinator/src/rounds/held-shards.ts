/** What every held report says about where it was computed. */
interface Computed {
  workerId: string;
  backend: string;
}

/**
 * The reports held for shards `0 … count-1` of a round or an evaluation, one per shard: the
 * first one held wins, a later one is DUPLICATE. Shared by RoundTracker and EvalTracker.
 */
export class HeldShards<T extends Computed> {
  private readonly held = new Map<number, T>();

  constructor(private readonly count: number) {}

  /** Holds `report` for `shard` unless one is held already. */
  hold(shard: number, report: T): 'ACCEPTED' | 'DUPLICATE' {
    if (this.held.has(shard)) return 'DUPLICATE';
    this.held.set(shard, report);
    return 'ACCEPTED';
  }

  has(shard: number): boolean {
    return this.held.has(shard);
  }

  isComplete(): boolean {
    return this.held.size === this.count;
  }

  /** Indices of the shards still to come, ascending. */
  missing(): number[] {
    return Array.from({ length: this.count }, (_, i) => i).filter((i) => !this.held.has(i));
  }

  /**
   * Every held report in shard order, never arrival order.
   * @throws Error naming `what` (e.g. `round 3`) and the missing shards when some are.
   */
  inOrder(what: string): T[] {
    const missing = this.missing();
    if (missing.length > 0) throw new Error(`${what} is incomplete: missing shards ${missing.join(', ')}`);
    return Array.from({ length: this.count }, (_, i) => this.held.get(i) as T);
  }

  /** Distinct ids of the workers whose reports are held, sorted. */
  workers(): string[] {
    return distinct([...this.held.values()].map((r) => r.workerId));
  }

  /** Distinct compute backends of the held reports, sorted. */
  backends(): string[] {
    return distinct([...this.held.values()].map((r) => r.backend));
  }
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort();
}
