import type { EvalMetrics, RoundMetrics } from '@metatrain/core';
import { type JobEvent, JobState } from '../generated';

// A job event as plain JSON, with the state as its name and the same field names as
// metrics.jsonl: what the dashboard's pages receive over Server-Sent Events, what a job's
// stored history holds, and what `metatrain metrics --json` prints.

/** One event of a job, as JSON: the event's own record (RoundMetrics, EvalMetrics, …) with its type and time. */
export type EventJson =
  | ({ type: 'round'; time: number } & RoundMetrics)
  | ({ type: 'eval'; time: number } & EvalMetrics)
  | { type: 'checkpoint'; time: number; version: number; location: string }
  | { type: 'state'; time: number; state: string; error: string };

/** The name of a wire job state (`RUNNING`, …). */
function stateName(state: JobState): string {
  return JobState[state] ?? 'UNSPECIFIED';
}

/** `event` as JSON; undefined for a kind the pages do not know. */
export function eventJson(event: JobEvent): EventJson | undefined {
  const time = event.timeMs;
  const kind = event.kind;
  switch (kind?.$case) {
    case 'roundCompleted':
      return { type: 'round', time, ...kind.value };
    case 'evalCompleted':
      return { type: 'eval', time, ...kind.value };
    case 'checkpointWritten':
      return { type: 'checkpoint', time, version: kind.value.version, location: kind.value.location };
    case 'stateChanged':
      return { type: 'state', time, state: stateName(kind.value.state), error: kind.value.error };
    default:
      return undefined;
  }
}
