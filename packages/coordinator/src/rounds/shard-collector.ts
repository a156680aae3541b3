import type { ShardPlan } from '@metatrain/core';
import type { CollectedShards } from '@metatrain/job-loop';
import type { AcceptOutcome, ShardReport } from './shard-report';
import type { ShardTracker } from './shard-tracker';

/** How a collection's wait ended. */
export type CollectionEnd = { collected: CollectedShards; lastReportAt: number } | { interrupted: true };

/**
 * One open collection of shards (a round, or an evaluation) of one job: a tracker plus the
 * wait for its last shard, and a straggler timer that asks for the missing shards again every
 * `deadlineMs` (first result wins, so the copies can only make the collection finish sooner).
 */
export class ShardCollector {
  private resolve: ((end: CollectionEnd) => void) | undefined;
  private readonly ended: Promise<CollectionEnd>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly tracker: ShardTracker,
    plan: readonly ShardPlan[],
    deadlineMs: number,
    onOverdue: (missing: ShardPlan[]) => void,
  ) {
    this.ended = new Promise((resolve) => (this.resolve = resolve));
    this.timer = setInterval(() => {
      const missing = this.tracker.missingShards().map((i) => plan[i] as ShardPlan);
      if (missing.length > 0) onOverdue(missing);
    }, deadlineMs);
    this.timer.unref();
  }

  /** Files a report (the tracker's accept); the collection ends when the last shard is accepted. */
  accept(report: ShardReport): AcceptOutcome {
    const outcome = this.tracker.accept(report);
    if (outcome === 'ACCEPTED' && this.tracker.isComplete()) {
      const collected = { shards: this.tracker.complete(), workers: this.tracker.workers(), backends: this.tracker.backends() };
      this.finish({ collected, lastReportAt: performance.now() });
    }
    return outcome;
  }

  /** Resolves when every shard is in, or when {@link interrupt} is called. */
  wait(): Promise<CollectionEnd> {
    return this.ended;
  }

  /** Ends the wait early (cancel, shutdown); idempotent. */
  interrupt(): void {
    this.finish({ interrupted: true });
  }

  private finish(end: CollectionEnd): void {
    clearInterval(this.timer);
    this.resolve?.(end);
    this.resolve = undefined;
  }
}
