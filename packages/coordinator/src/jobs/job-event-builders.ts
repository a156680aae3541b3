import { type JobEvent, JobState } from '@metatrain/contract';
import type { JobStateName } from '../registry/job-record';
import type { JobEventLog } from './job-events';

// Job state as the wire spells it, and the event of a state change.

const PROTO_STATE: Record<JobStateName, JobState> = {
  QUEUED: JobState.QUEUED,
  RUNNING: JobState.RUNNING,
  SUCCEEDED: JobState.SUCCEEDED,
  FAILED: JobState.FAILED,
  CANCELLED: JobState.CANCELLED,
};

/** The wire value of a registry state. */
export function toProtoState(state: JobStateName): JobState {
  return PROTO_STATE[state];
}

/** A JobStateChanged event, now. */
export function stateEvent(jobId: string, state: JobStateName, error = ''): JobEvent {
  return { jobId, timeMs: Date.now(), kind: { $case: 'stateChanged', value: { state: toProtoState(state), error } } };
}

/** Publishes a JobStateChanged event. */
export function publishState(events: JobEventLog, jobId: string, state: JobStateName, error = ''): void {
  events.publish(stateEvent(jobId, state, error));
}
