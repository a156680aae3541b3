import type { ParamShape, ShardPlan } from '@metatrain/core';
import { layoutProblem, metricsProblem, nonFiniteProblem } from './check-report';
import { HeldShards } from './held-shards';
import type { AcceptedShard, AcceptOutcome, ShardReport } from './shard-report';

/** What a round is checked against: its number, the job's parameter layout, its shard plan. */
export interface RoundTrackerOptions {
  /** The round being collected; its reports must be computed from parameter version `round`. */
  round: number;
  /** The job's parameter layout (names and shapes, in order); every shard sum must match it. */
  layout: readonly ParamShape[];
  /** The round's shards (`planShards`), index i at position i. */
  shards: readonly ShardPlan[];
}

/**
 * Collects the shard results of one round of one job (DESIGN.md §2, step 4). Pure: no I/O,
 * no clock. The first valid report of a shard wins; later ones are DUPLICATE, so retries,
 * re-enqueued stragglers and a second backend cannot change which bits are reduced.
 *
 * Held sums are kept by reference, not copied (they can be megabytes): callers hand over
 * ownership and must not mutate a sum after reporting it.
 */
export class RoundTracker {
  readonly round: number;
  private readonly layout: readonly ParamShape[];
  private readonly plan: readonly ShardPlan[];
  private readonly held: HeldShards<AcceptedShard>;

  constructor(options: RoundTrackerOptions) {
    if (!Number.isSafeInteger(options.round) || options.round < 0) {
      throw new RangeError(`round must be a non-negative integer, got ${options.round}`);
    }
    if (options.shards.length === 0) throw new RangeError('a round needs at least one shard');
    options.shards.forEach((s, i) => {
      // accept() indexes the plan by shard number, so the plan must be dense and in order.
      if (s.index !== i) throw new RangeError(`shard plan entry ${i} has index ${s.index}`);
    });
    this.round = options.round;
    this.layout = options.layout.map((p) => ({ name: p.name, shape: [...p.shape] }));
    this.plan = options.shards.map((s) => ({ ...s }));
    this.held = new HeldShards(this.plan.length);
  }

  /** Number of shards in the round (S). */
  get shardCount(): number {
    return this.plan.length;
  }

  /**
   * Takes one report. Order of the checks: a closed round is STALE whatever the content (the
   * worker should just drop it); a malformed report is rejected even when its shard is held,
   * so a broken worker is told so regardless of arrival order; only then is a second report
   * of a held shard DUPLICATE.
   */
  accept(report: ShardReport): AcceptOutcome {
    if (report.round < this.round) return 'STALE';
    if (report.round !== this.round) {
      return { rejected: `round: ${report.round} is not open (the job is collecting round ${this.round})`, notOpenYet: true };
    }
    if (report.parameterVersion !== report.round) {
      return { rejected: `parameter_version: ${report.parameterVersion}, round ${report.round} is computed from version ${report.round}` };
    }
    const plan = Number.isSafeInteger(report.shard) ? this.plan[report.shard] : undefined;
    if (!plan) {
      return { rejected: `shard_index: ${report.shard} is out of range (round ${this.round} has ${this.plan.length} shards)` };
    }
    const problem = layoutProblem(report.sum, this.layout) ?? metricsProblem(report.metrics, plan) ?? nonFiniteProblem(report.sum);
    if (problem) return { rejected: problem };
    const { shard, sum, metrics, workerId, backend } = report;
    return this.held.hold(shard, { shard, sum, metrics, workerId, backend });
  }

  /** Whether a valid report of `shard` is held. */
  has(shard: number): boolean {
    return this.held.has(shard);
  }

  /** True once every shard of the round is held. */
  isComplete(): boolean {
    return this.held.isComplete();
  }

  /** Indices of the shards still to come, ascending (what a straggler re-enqueue needs). */
  missingShards(): number[] {
    return this.held.missing();
  }

  /**
   * The held shards sorted by shard index, ready for `applyRound`: the reduction order is
   * fixed by index, never by arrival, which is what makes θ_{r+1} a function of (spec, r).
   *
   * @throws Error when shards are missing (applyRound would average over too few tasks).
   */
  complete(): AcceptedShard[] {
    return this.held.inOrder(`round ${this.round}`);
  }

  /** Distinct ids of the workers whose reports are held, sorted. */
  workers(): string[] {
    return this.held.workers();
  }

  /** Distinct compute backends of the held reports, sorted (RoundCompleted.backends). */
  backends(): string[] {
    return this.held.backends();
  }
}
