import { type JobEvent, JobState } from '@metatrain/contract';

// A job event as the dashboard's pages receive it over Server-Sent Events: plain JSON with
// the state as its name, and only the fields the pages draw.

/** One event of a job, as JSON. */
export type EventJson =
  | { type: 'round'; time: number; round: number; metaLoss: number; preLoss: number; postLoss: number; preAccuracy?: number; postAccuracy?: number; tasksPerSecond: number; roundMs: number; workers: number }
  | { type: 'eval'; time: number; round: number; tasks: number; preLoss: number; postLoss: number; preAccuracy?: number; postAccuracy?: number; evalMs: number }
  | { type: 'checkpoint'; time: number; round: number; location: string }
  | { type: 'state'; time: number; state: string; error: string };

/** The name of a wire job state (`RUNNING`, …). */
export function stateName(state: JobState): string {
  return JobState[state] ?? 'UNSPECIFIED';
}

/** `event` as JSON; undefined for a kind the pages do not know. */
export function eventJson(event: JobEvent): EventJson | undefined {
  const time = event.timeMs;
  const kind = event.kind;
  switch (kind?.$case) {
    case 'roundCompleted': {
      const r = kind.value;
      return {
        type: 'round',
        time,
        round: r.round,
        metaLoss: r.metaLoss,
        preLoss: r.preAdaptationLoss,
        postLoss: r.postAdaptationLoss,
        ...(r.postAdaptationAccuracy !== undefined ? { preAccuracy: r.preAdaptationAccuracy, postAccuracy: r.postAdaptationAccuracy } : {}),
        tasksPerSecond: r.tasksPerSecond,
        roundMs: r.roundMs,
        workers: r.workers,
      };
    }
    case 'evalCompleted': {
      const e = kind.value;
      return {
        type: 'eval',
        time,
        round: e.round,
        tasks: e.tasks,
        preLoss: e.preAdaptationLoss,
        postLoss: e.postAdaptationLoss,
        ...(e.postAdaptationAccuracy !== undefined ? { preAccuracy: e.preAdaptationAccuracy, postAccuracy: e.postAdaptationAccuracy } : {}),
        evalMs: e.evalMs,
      };
    }
    case 'checkpointWritten':
      return { type: 'checkpoint', time, round: kind.value.round, location: kind.value.location };
    case 'stateChanged':
      return { type: 'state', time, state: stateName(kind.value.state), error: kind.value.error };
    default:
      return undefined;
  }
}
