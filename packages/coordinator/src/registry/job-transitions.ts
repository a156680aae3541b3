import { FailedPreconditionError } from '../grpc/grpc-errors';
import type { JobStateName } from './job-record';

/**
 * The state machine of a job. SUCCEEDED, FAILED and CANCELLED are final: a job that ended
 * stays ended (a new run is a new job), so a late round report or a second coordinator
 * cannot bring it back.
 */
const NEXT: Readonly<Record<JobStateName, readonly JobStateName[]>> = {
  QUEUED: ['RUNNING', 'FAILED', 'CANCELLED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

/** Whether a job in `state` can never change again. */
export function isFinal(state: JobStateName): boolean {
  return NEXT[state].length === 0;
}

/** A change the job's state does not allow. → FAILED_PRECONDITION, naming both states. */
export class InvalidTransitionError extends FailedPreconditionError {
  constructor(
    readonly jobId: string,
    readonly from: JobStateName,
    readonly to: JobStateName,
  ) {
    super(
      'state',
      isFinal(from)
        ? `job ${jobId} is ${from}, which is final; it cannot change${from === to ? '' : ` to ${to}`}`
        : `job ${jobId} is ${from}; it can become ${NEXT[from].join(', ')}, not ${to}`,
    );
  }
}

/**
 * Checks a change of job `jobId` from `from` to `to` (the same state is a change too when
 * other fields change).
 * @throws {InvalidTransitionError}
 */
export function checkTransition(jobId: string, from: JobStateName, to: JobStateName): void {
  if (from === to ? isFinal(from) : !NEXT[from].includes(to)) throw new InvalidTransitionError(jobId, from, to);
}
