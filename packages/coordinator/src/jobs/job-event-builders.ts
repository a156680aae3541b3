import type { RoundSummary } from '@metatrain/core';
import { type JobEvent, JobState } from '@metatrain/contract';
import type { JobStateName } from '../registry/job-record';
import type { JobEventLog } from './job-events';

// The job events the round loop and the job manager publish (besides checkpoints and evaluations).

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

/** Publishes a JobStateChanged event. */
export function publishState(events: JobEventLog, jobId: string, state: JobStateName, error = ''): void {
  events.publish({ jobId, timeMs: Date.now(), kind: { $case: 'stateChanged', value: { state: toProtoState(state), error } } });
}

/** The RoundCompleted event of a round that took `seconds`, reported by `collector`'s workers. */
export function roundEvent(jobId: string, summary: RoundSummary, seconds: number, collector: { workers(): string[]; backends(): string[] }): JobEvent {
  return {
    jobId,
    timeMs: Date.now(),
    kind: {
      $case: 'roundCompleted',
      value: {
        round: summary.round,
        metaLoss: summary.metaLoss,
        preAdaptationLoss: summary.preLoss,
        postAdaptationLoss: summary.postLoss,
        preAdaptationAccuracy: summary.preAccuracy,
        postAdaptationAccuracy: summary.postAccuracy,
        tasksPerSecond: summary.tasks / seconds,
        roundMs: seconds * 1000,
        workers: collector.workers().length,
        backends: collector.backends(),
      },
    },
  };
}
