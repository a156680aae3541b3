import type { ParamShape, ShardPlan } from '@metatrain/metalearn';
import { RoundTracker } from '../rounds/round-tracker';
import type { AcceptedShard, AcceptOutcome, ShardReport } from '../rounds/shard-report';

/** How a round's wait ended. */
export type RoundEnd = { complete: AcceptedShard[]; lastReportAt: number } | { interrupted: true };

/**
 * One open round of one job: a {@link RoundTracker} plus the wait for its last shard, and a
 * straggler timer that asks for the missing shards again every `deadlineMs` (first result
 * wins, so the copies can only make the round finish sooner).
 */
export class RoundCollector {
  private readonly tracker: RoundTracker;
  private resolve: ((end: RoundEnd) => void) | undefined;
  private readonly ended: Promise<RoundEnd>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    round: number,
    layout: readonly ParamShape[],
    readonly plan: readonly ShardPlan[],
    deadlineMs: number,
    onOverdue: (missing: ShardPlan[]) => void,
  ) {
    this.tracker = new RoundTracker({ round, layout, shards: plan });
    this.ended = new Promise((resolve) => (this.resolve = resolve));
    this.timer = setInterval(() => {
      const missing = this.tracker.missingShards().map((i) => plan[i] as ShardPlan);
      if (missing.length > 0) onOverdue(missing);
    }, deadlineMs);
    this.timer.unref();
  }

  get round(): number {
    return this.tracker.round;
  }

  /** Files a report (RoundTracker.accept); the round ends when the last shard is accepted. */
  accept(report: ShardReport): AcceptOutcome {
    const outcome = this.tracker.accept(report);
    if (outcome === 'ACCEPTED' && this.tracker.isComplete()) this.finish({ complete: this.tracker.complete(), lastReportAt: performance.now() });
    return outcome;
  }

  workers(): string[] {
    return this.tracker.workers();
  }

  backends(): string[] {
    return this.tracker.backends();
  }

  /** Resolves when every shard is in, or when {@link interrupt} is called. */
  wait(): Promise<RoundEnd> {
    return this.ended;
  }

  /** Ends the wait early (cancel, shutdown); idempotent. */
  interrupt(): void {
    this.finish({ interrupted: true });
  }

  private finish(end: RoundEnd): void {
    clearInterval(this.timer);
    this.resolve?.(end);
    this.resolve = undefined;
  }
}
