import { BACKEND_NAMES, type BackendName } from '@metatrain/core';
import { InvalidArgumentError } from '../grpc/grpc-errors';
import type { JobRecord, JobStateName } from './job-record';
import { checkTransition, isFinal } from './job-transitions';

/** The fields of a job the coordinator changes as the job runs; all optional. */
export interface JobChange {
  state?: JobStateName;
  roundsCompleted?: number;
  /** Why the job failed or was cancelled; only with the state FAILED or CANCELLED. */
  error?: string;
  lastMetaLoss?: number;
  backends?: string[];
  /** The job's one backend, once chosen; it never changes after. */
  backend?: BackendName;
}

/**
 * Checks the fields of `change` and returns the record with them applied (the state
 * transition is job-transitions.ts's to check). `updatedAt` never goes backwards, even if
 * the clock does. The rounds completed may go back: resuming falls back to an older checkpoint
 * when the newest is incomplete.
 * @throws {InvalidArgumentError} naming the bad field.
 */
export function checkChange(current: JobRecord, change: JobChange): JobRecord {
  const next: JobRecord = { ...current, updatedAt: Math.max(Date.now(), current.updatedAt) };
  if (change.state !== undefined) next.state = change.state;
  if (change.roundsCompleted !== undefined) {
    if (!Number.isSafeInteger(change.roundsCompleted) || change.roundsCompleted < 0 || change.roundsCompleted > current.totalRounds) {
      throw new InvalidArgumentError('roundsCompleted', `expected an integer in [0, ${current.totalRounds}], got ${change.roundsCompleted}`);
    }
    next.roundsCompleted = change.roundsCompleted;
  }
  if (change.lastMetaLoss !== undefined) {
    if (!Number.isFinite(change.lastMetaLoss)) throw new InvalidArgumentError('lastMetaLoss', `expected a finite number, got ${change.lastMetaLoss}`);
    next.lastMetaLoss = change.lastMetaLoss;
  }
  if (change.backends !== undefined) {
    if (!change.backends.every((b) => typeof b === 'string' && b.length > 0)) throw new InvalidArgumentError('backends', 'expected non-empty strings');
    next.backends = [...change.backends];
  }
  if (change.backend !== undefined) {
    if (!BACKEND_NAMES.includes(change.backend)) throw new InvalidArgumentError('backend', `expected one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(change.backend)}`);
    if (current.backend !== undefined && current.backend !== change.backend) throw new InvalidArgumentError('backend', `job ${current.id} is computed on ${current.backend}; it cannot change to ${change.backend}`);
    next.backend = change.backend;
  }
  if (change.error !== undefined) {
    if (next.state !== 'FAILED' && next.state !== 'CANCELLED') {
      throw new InvalidArgumentError('error', `only a FAILED or CANCELLED job has an error; the job would be ${next.state}`);
    }
    next.error = change.error;
  }
  return next;
}

/**
 * The record after `change`, or `current` itself when nothing changes. A state change must be
 * allowed (job-transitions.ts); a final job refuses every change, except that asking for the
 * state it is already in, and nothing else, returns it unchanged (cancelling twice is harmless).
 * @throws {InvalidTransitionError}; {@link InvalidArgumentError} for a bad field.
 */
export function applyJobChange(current: JobRecord, change: JobChange): JobRecord {
  const state = change.state ?? current.state;
  const fields = Object.values(change).filter((v) => v !== undefined).length;
  if (change.state === current.state && fields === 1 && isFinal(current.state)) return current;
  checkTransition(current.id, current.state, state);
  return checkChange(current, change);
}
