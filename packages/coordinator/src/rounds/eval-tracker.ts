import type { EvalTaskMetrics, ShardPlan } from '@metatrain/metalearn';
import { metricsProblem } from './check-report';
import type { AcceptOutcome, EvalReport } from './shard-report';

/**
 * Collects the shard results of one periodic evaluation of one job: the held-out tasks of
 * parameter version `version`, split as `shards`. Pure, like RoundTracker: the first valid
 * report of a shard wins, later ones are DUPLICATE, and the results come out in task order
 * whatever the arrival order, so the summary is a function of (spec, version).
 */
export class EvalTracker {
  private readonly held = new Map<number, EvalReport>();

  constructor(
    readonly version: number,
    private readonly shards: readonly ShardPlan[],
  ) {
    if (shards.length === 0) throw new RangeError('an evaluation needs at least one shard');
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
    if (this.held.has(report.shard)) return 'DUPLICATE';
    this.held.set(report.shard, report);
    return 'ACCEPTED';
  }

  isComplete(): boolean {
    return this.held.size === this.shards.length;
  }

  missingShards(): number[] {
    return this.shards.map((s) => s.index).filter((i) => !this.held.has(i));
  }

  /** Every task's metrics in task order. @throws Error when shards are missing. */
  complete(): EvalTaskMetrics[] {
    const missing = this.missingShards();
    if (missing.length > 0) throw new Error(`evaluation of version ${this.version} is incomplete: missing shards ${missing.join(', ')}`);
    return this.shards.flatMap((s) => (this.held.get(s.index) as EvalReport).metrics);
  }

  workers(): string[] {
    return [...new Set([...this.held.values()].map((r) => r.workerId))].sort();
  }

  backends(): string[] {
    return [...new Set([...this.held.values()].map((r) => r.backend))].sort();
  }
}
