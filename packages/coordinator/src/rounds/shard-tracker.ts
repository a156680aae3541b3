import type { ParamShape, ShardKind, ShardPlan } from '@metatrain/core';
import type { CollectedShard } from '@metatrain/job-loop';
import { layoutProblem, metricsProblem, nonFiniteProblem } from './check-report';
import type { AcceptOutcome, ShardReport } from './shard-report';

/** What a collection's reports are checked against. */
export interface ShardTrackerOptions {
  kind: ShardKind;
  /** The parameter version the shards compute from (a round's number). */
  version: number;
  /** The job's parameter layout (names and shapes, in order); every train sum must match it. */
  layout: readonly ParamShape[];
  /** The shards (`planShards`), index i at position i. */
  shards: readonly ShardPlan[];
}

/**
 * Collects the shard results of one collection of one job: a round (`train`) or a periodic
 * evaluation (`eval`). Pure: no I/O, no clock. The first valid report of a shard wins; later
 * ones are DUPLICATE, so retries, re-enqueued stragglers and a second backend cannot change
 * which bits are reduced, and the results come out in shard order whatever the arrival order.
 *
 * Held sums are kept by reference, not copied (they can be megabytes): callers hand over
 * ownership and must not mutate a sum after reporting it.
 */
export class ShardTracker {
  readonly kind: ShardKind;
  readonly version: number;
  private readonly layout: readonly ParamShape[];
  private readonly plan: readonly ShardPlan[];
  private readonly held = new Map<number, CollectedShard>();

  constructor(options: ShardTrackerOptions) {
    if (!Number.isSafeInteger(options.version) || options.version < 0) {
      throw new RangeError(`version must be a non-negative integer, got ${options.version}`);
    }
    if (options.shards.length === 0) throw new RangeError('a collection needs at least one shard');
    options.shards.forEach((s, i) => {
      // accept() indexes the plan by shard number, so the plan must be dense and in order.
      if (s.index !== i) throw new RangeError(`shard plan entry ${i} has index ${s.index}`);
    });
    this.kind = options.kind;
    this.version = options.version;
    this.layout = options.layout.map((p) => ({ name: p.name, shape: [...p.shape] }));
    this.plan = options.shards.map((s) => ({ ...s }));
  }

  /** Number of shards in the collection. */
  get shardCount(): number {
    return this.plan.length;
  }

  /**
   * Takes one report. Order of the checks: a report of an earlier version is STALE whatever
   * the content (the worker should just drop it); a malformed report is rejected even when its
   * shard is held, so a broken worker is told so regardless of arrival order; only then is a
   * second report of a held shard DUPLICATE.
   */
  accept(report: ShardReport): AcceptOutcome {
    if (report.kind !== this.kind) return { rejected: `kind: a ${report.kind} report, the job is collecting ${this.describe()}` };
    if (report.version < this.version) return 'STALE';
    if (report.version !== this.version) {
      const open = this.kind === 'train' ? `is not open (the job is collecting round ${this.version})` : `is not being evaluated (the job is evaluating version ${this.version})`;
      return { rejected: `version: ${report.version} ${open}`, notOpenYet: true };
    }
    const plan = Number.isSafeInteger(report.shard) ? this.plan[report.shard] : undefined;
    if (!plan) return { rejected: `shard_index: ${report.shard} is out of range (${this.describe()} has ${this.plan.length} shards)` };
    const problem =
      this.kind === 'train'
        ? (layoutProblem(report.sum, this.layout) ?? metricsProblem(report.metrics, plan) ?? nonFiniteProblem(report.sum))
        : metricsProblem(report.metrics, plan);
    if (problem) return { rejected: problem };
    if (this.held.has(report.shard)) return 'DUPLICATE';
    const { shard, sum, metrics, workerId, backend } = report;
    this.held.set(shard, { shard, sum, metrics, workerId, backend });
    return 'ACCEPTED';
  }

  /** Whether a valid report of `shard` is held. */
  has(shard: number): boolean {
    return this.held.has(shard);
  }

  /** True once every shard is held. */
  isComplete(): boolean {
    return this.held.size === this.plan.length;
  }

  /** Indices of the shards still to come, ascending (what a straggler re-enqueue needs). */
  missingShards(): number[] {
    return this.plan.map((s) => s.index).filter((i) => !this.held.has(i));
  }

  /**
   * The held shards sorted by shard index: the reduction order is fixed by index, never by
   * arrival, which is what makes θ_{r+1} a function of (spec, r).
   * @throws Error when shards are missing.
   */
  complete(): CollectedShard[] {
    const missing = this.missingShards();
    if (missing.length > 0) throw new Error(`${this.describe()} is incomplete: missing shards ${missing.join(', ')}`);
    return this.plan.map((s) => this.held.get(s.index) as CollectedShard);
  }

  /** Distinct ids of the workers whose reports are held, sorted. */
  workers(): string[] {
    return distinct([...this.held.values()].map((r) => r.workerId));
  }

  /** Distinct compute backends of the held reports, sorted (RoundCompleted.backends). */
  backends(): string[] {
    return distinct([...this.held.values()].map((r) => r.backend));
  }

  private describe(): string {
    return this.kind === 'train' ? `round ${this.version}` : `the evaluation of version ${this.version}`;
  }
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort();
}
