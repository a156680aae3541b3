import type { ShardPlan } from '@metatrain/core';
import type { AcceptOutcome } from '../rounds/shard-report';

/** What a collector needs of a tracker (RoundTracker for a round, EvalTracker for an evaluation). */
export interface ShardTracker<Report, Complete> {
  accept(report: Report): AcceptOutcome;
  isComplete(): boolean;
  /** Indices of the shards still to come, ascending. */
  missingShards(): number[];
  /** The held results in shard order; only once complete. */
  complete(): Complete;
  /** Distinct ids of the workers whose reports are held, sorted. */
  workers(): string[];
  /** Distinct backends of the held reports, sorted. */
  backends(): string[];
}

/** How a collection's wait ended. */
export type CollectionEnd<Complete> = { complete: Complete; lastReportAt: number } | { interrupted: true };

/**
 * One open collection of shards (a round, or an evaluation) of one job: a tracker plus the
 * wait for its last shard, and a straggler timer that asks for the missing shards again every
 * `deadlineMs` (first result wins, so the copies can only make the collection finish sooner).
 */
export class ShardCollector<Report, Complete> {
  private resolve: ((end: CollectionEnd<Complete>) => void) | undefined;
  private readonly ended: Promise<CollectionEnd<Complete>>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    /** The round collected (or the parameter version evaluated). */
    readonly round: number,
    private readonly tracker: ShardTracker<Report, Complete>,
    readonly plan: readonly ShardPlan[],
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
  accept(report: Report): AcceptOutcome {
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
  wait(): Promise<CollectionEnd<Complete>> {
    return this.ended;
  }

  /** Ends the wait early (cancel, shutdown); idempotent. */
  interrupt(): void {
    this.finish({ interrupted: true });
  }

  private finish(end: CollectionEnd<Complete>): void {
    clearInterval(this.timer);
    this.resolve?.(end);
    this.resolve = undefined;
  }
}
