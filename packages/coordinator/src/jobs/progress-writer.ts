import type { JobChange } from '../registry/job-change';

/**
 * Writes a job's progress (rounds completed, last meta-loss) to the registry in order, without
 * making the round loop wait for Redis: the next round's shards are enqueued while the write
 * of the last one is on its way. A failed write goes to `onFailure`.
 */
export class ProgressWriter {
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (change: JobChange) => Promise<unknown>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Queues `change` behind the writes before it. */
  push(change: JobChange): void {
    this.last = this.last.then(() => this.write(change)).then(
      () => undefined,
      (error: unknown) => this.onFailure(error),
    );
  }

  /** Resolves once every change pushed so far is written (or has failed). */
  flushed(): Promise<void> {
    return this.last;
  }
}
