import { type JobEvent, JobState } from '@metatrain/contract';

/** Receives each event of a job as it happens. */
export type JobEventListener = (event: JobEvent) => void;

/** Events kept per job: enough for the dashboard's rates over its last 20 rounds, with evaluations and checkpoints between. */
export const RECENT_EVENTS_PER_JOB = 64;

const FINAL_STATES: readonly JobState[] = [JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED];

/** Whether `event` says the job ended: a change to SUCCEEDED, FAILED or CANCELLED. */
export function isFinalEvent(event: JobEvent): boolean {
  const kind = event.kind;
  return kind?.$case === 'stateChanged' && FINAL_STATES.includes(kind.value.state);
}

/**
 * The live events of the coordinator's jobs: hands each to the job's listeners and keeps only
 * the job's last {@link RECENT_EVENTS_PER_JOB}, until the job ends (a final state) or its loop
 * leaves this coordinator ({@link forget}). Memory is bounded by the running jobs, whatever
 * their number of rounds; the whole curve is the job's stored history (`JobHistory`).
 */
export class JobEventLog {
  private readonly recentEvents = new Map<string, JobEvent[]>();
  private readonly listeners = new Map<string, Set<JobEventListener>>();
  private readonly everyJob = new Set<JobEventListener>();

  /** Hands `event` to the job's listeners, then to every-job listeners; a throwing listener is dropped. */
  publish(event: JobEvent): void {
    const { jobId } = event;
    if (isFinalEvent(event)) this.forget(jobId);
    else this.remember(event);
    for (const listener of this.listeners.get(jobId) ?? []) {
      try {
        listener(event);
      } catch {
        this.listeners.get(jobId)?.delete(listener);
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

  /** Hands `listener` every new event of every job; returns the function that stops it. */
  subscribeAll(listener: JobEventListener): () => void {
    this.everyJob.add(listener);
    return () => this.everyJob.delete(listener);
  }

  /** Hands `listener` every new event of the job (no history: see `JobHistory.watch`); returns the function that stops it. */
  subscribe(jobId: string, listener: JobEventListener): () => void {
    const set = this.listeners.get(jobId) ?? new Set();
    set.add(listener);
    this.listeners.set(jobId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }

  /** The job's last events while it runs here, oldest first. */
  recent(jobId: string): readonly JobEvent[] {
    return this.recentEvents.get(jobId) ?? [];
  }

  /** Drops the job's recent events: its loop no longer runs here. */
  forget(jobId: string): void {
    this.recentEvents.delete(jobId);
  }

  /** How many events are held, over every job: what the memory bound is about. */
  heldEvents(): number {
    let count = 0;
    for (const events of this.recentEvents.values()) count += events.length;
    return count;
  }

  private remember(event: JobEvent): void {
    const events = this.recentEvents.get(event.jobId) ?? [];
    events.push(event);
    if (events.length > RECENT_EVENTS_PER_JOB) events.shift();
    this.recentEvents.set(event.jobId, events);
  }
}
