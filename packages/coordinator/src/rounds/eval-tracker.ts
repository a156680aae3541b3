import type { EvalTaskMetrics, ShardPlan } from '@metatrain/core';
import { metricsProblem } from './check-report';
import { HeldShards } from './held-shards';
import type { AcceptOutcome, EvalReport } from './shard-report';

/**
 * Collects the shard results of one periodic evaluation of one job: the held-out tasks of
 * parameter version `version`, split as `shards`. Pure, like RoundTracker: the first valid
 * report of a shard wins, later ones are DUPLICATE, and the results come out in task order
 * whatever the arrival order, so the summary is a function of (spec, version).
 */
export class EvalTracker {
  private readonly held: HeldShards<EvalReport>;

  constructor(
    readonly version: number,
    private readonly shards: readonly ShardPlan[],
  ) {
    if (shards.length === 0) throw new RangeError('an evaluation needs at least one shard');
    this.held = new HeldShards(shards.length);
  }

  /** A report of an evaluation that is over is STALE; a malformed one is rejected with the wire's field named. */
  accept(report: EvalReport): AcceptOutcome {
    if (report.version < this.version) return 'STALE';
    if (report.version !== this.version) {
      return { rejected: `parameter_version: ${report.version} is not being evaluated (the job is evaluating version ${this.version})` };
    }
    const plan = Number.isSafeInteger(report.shard) ? this.shards[report.shard] : undefined;
    if (!plan) return { rejected: `shard_index: ${report.shard} is out of range (the evaluation has ${this.shards.length} shards)` };
    const problem = metricsProblem(report.metrics, plan);
    if (problem) return { rejected: problem };
    return this.held.hold(report.shard, report);
  }

  isComplete(): boolean {
    return this.held.isComplete();
  }

  missingShards(): number[] {
    return this.held.missing();
  }

  /** Every task's metrics in task order. @throws Error when shards are missing. */
  complete(): EvalTaskMetrics[] {
    return this.held.inOrder(`evaluation of version ${this.version}`).flatMap((r) => r.metrics);
  }

  workers(): string[] {
    return this.held.workers();
  }

  backends(): string[] {
    return this.held.backends();
  }
}
