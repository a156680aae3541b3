import type { CollectedBlocks } from '@metatrain/job-loop';
import type { AcceptOutcome, ShardReport } from './shard-report';
import type { ShardTracker } from './shard-tracker';

/** How a collection's wait ended. */
export type CollectionEnd = { collected: CollectedBlocks; lastReportAt: number } | { interrupted: true };

/**
 * One open collection of blocks (a round, or an evaluation) of one job: a tracker plus the
 * wait for its last block, and a straggler timer that asks for the missing blocks again every
 * `deadlineMs` (first result wins, so the copies can only make the collection finish sooner).
 */
export class ShardCollector {
  private resolve: ((end: CollectionEnd) => void) | undefined;
  private readonly ended: Promise<CollectionEnd>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly tracker: ShardTracker,
    deadlineMs: number,
    /** Told the indices of the blocks still missing, ascending. */
    onOverdue: (missingBlocks: number[]) => void,
  ) {
    this.ended = new Promise((resolve) => (this.resolve = resolve));
    this.timer = setInterval(() => {
      const missing = this.tracker.missingBlocks();
      if (missing.length > 0) onOverdue(missing);
    }, deadlineMs);
    this.timer.unref();
  }

  /** Files a report (the tracker's accept); the collection ends when the last block is accepted. */
  accept(report: ShardReport): AcceptOutcome {
    const outcome = this.tracker.accept(report);
    if (outcome === 'ACCEPTED' && this.tracker.isComplete()) {
      const collected = { blocks: this.tracker.complete(), workers: this.tracker.workers(), backends: this.tracker.backends() };
      this.finish({ collected, lastReportAt: performance.now() });
    }
    return outcome;
  }

  /** Resolves when every block is in, or when {@link interrupt} is called. */
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
