import type { JobEvent } from '@metatrain/contract';

/** Receives each event of a job as it happens. */
export type JobEventListener = (event: JobEvent) => void;

/**
 * The events of every job since this coordinator started (or, after a restart, since the job
 * was resumed), so a watcher who connects mid-job sees the history before the live events.
 * In memory: a job of 70 000 rounds keeps about 15 MB of events, which is the price of
 * replaying whole learning curves.
 */
export class JobEventLog {
  private readonly history = new Map<string, JobEvent[]>();
  private readonly listeners = new Map<string, Set<JobEventListener>>();
  private readonly everyJob = new Set<JobEventListener>();

  /** Records `event` and hands it to the job's listeners; a throwing listener is dropped. */
  publish(event: JobEvent): void {
    const events = this.history.get(event.jobId) ?? [];
    events.push(event);
    this.history.set(event.jobId, events);
    for (const listener of this.listeners.get(event.jobId) ?? []) {
      try {
        listener(event);
      } catch {
        this.listeners.get(event.jobId)?.delete(listener);
      }
    }
    for (const listener of this.everyJob) {
      try {
        listener(event);
      } catch {
        this.everyJob.delete(listener);
      }
    }
  }

  /** Hands `listener` every new event of every job (no history); returns the function that stops it. */
  subscribeAll(listener: JobEventListener): () => void {
    this.everyJob.add(listener);
    return () => this.everyJob.delete(listener);
  }

  /** The job's events so far, oldest first. */
  events(jobId: string): readonly JobEvent[] {
    return this.history.get(jobId) ?? [];
  }

  /**
   * Replays the job's history to `listener` and then hands it every new event, in order;
   * returns the function that stops it.
   */
  subscribe(jobId: string, listener: JobEventListener): () => void {
    for (const event of this.events(jobId)) listener(event);
    const set = this.listeners.get(jobId) ?? new Set();
    set.add(listener);
    this.listeners.set(jobId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }
}
