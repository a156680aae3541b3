import type { JobObserver } from '../jobs/job-runner';

/** One call of {@link JobObserver.roundCompleted}. */
export type ObservedRound = Parameters<JobObserver['roundCompleted']>[0];

/**
 * A JobObserver (and so a QueueShardsObserver) that keeps every call, for tests to assert on
 * what the coordinator's metrics would have been told.
 */
export class RecordingObserver implements JobObserver {
  submitted = 0;
  readonly rounds: ObservedRound[] = [];
  checkpoints = 0;
  checkpointFailures = 0;
  readonly finished: string[] = [];
  /** Each orchestration overhead, in seconds, in order. */
  readonly overheads: number[] = [];
  /** Each re-enqueue's shard count, in order. */
  readonly reenqueued: number[] = [];

  jobSubmitted(): void {
    this.submitted++;
  }

  roundCompleted(round: ObservedRound): void {
    this.rounds.push(round);
  }

  checkpointWritten(): void {
    this.checkpoints++;
  }

  checkpointFailed(): void {
    this.checkpointFailures++;
  }

  jobFinished(jobId: string): void {
    this.finished.push(jobId);
  }

  orchestrationOverhead(seconds: number): void {
    this.overheads.push(seconds);
  }

  shardsReenqueued(count: number): void {
    this.reenqueued.push(count);
  }
}
