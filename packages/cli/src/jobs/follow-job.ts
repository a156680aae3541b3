import type { JobEvent, JobState } from '@metatrain/contract';
import type { Progress } from '../ui/progress-bar';
import { isFinalState } from './job-format';

/** Where a watch ended: the last state seen (undefined if none) and its error. */
export interface FollowResult {
  state: JobState | undefined;
  error: string;
  /** rounds completed, by the last RoundCompleted seen */
  rounds: number | undefined;
}

/** Weight of the newest round in the smoothed meta-loss, as `metatrain train` shows it. */
const SMOOTHING = 0.05;

/**
 * Renders a job's events on `progress` — rounds done, smoothed meta-loss, tasks/s, workers
 * — until a final state or the end of the stream. A watch opened mid-job first receives the
 * job's history, which simply fast-forwards the display.
 */
export async function followJob(events: AsyncIterable<JobEvent>, progress: Progress): Promise<FollowResult> {
  const result: FollowResult = { state: undefined, error: '', rounds: undefined };
  let smoothed: number | undefined;
  let fields: Record<string, string | number> = {};
  for await (const event of events) {
    const kind = event.kind;
    if (kind?.$case === 'roundCompleted') {
      const r = kind.value;
      result.rounds = r.round + 1;
      smoothed = smoothed === undefined ? r.metaLoss : (1 - SMOOTHING) * smoothed + SMOOTHING * r.metaLoss;
      fields = { 'meta-loss': smoothed.toFixed(4), 'tasks/s': Math.round(r.tasksPerSecond), workers: r.workers };
      progress.update(result.rounds, fields);
    } else if (kind?.$case === 'stateChanged') {
      result.state = kind.value.state;
      result.error = kind.value.error;
      if (isFinalState(kind.value.state)) break;
    }
  }
  progress.finish(fields);
  return result;
}
