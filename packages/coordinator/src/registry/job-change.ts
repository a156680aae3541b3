import { InvalidArgumentError } from '../grpc/grpc-errors';
import type { JobRecord, JobStateName } from './job-record';

/** The fields of a job the coordinator changes as the job runs; all optional. */
export interface JobChange {
  state?: JobStateName;
  round?: number;
  /** Why the job failed or was cancelled; only with the state FAILED or CANCELLED. */
  error?: string;
  lastMetaLoss?: number;
  backends?: string[];
  evaluatedRound?: number;
}

/**
 * Checks the fields of `change` and returns the record with them applied (the state
 * transition is job-transitions.ts's to check). `updatedAt` never goes backwards, even if
 * the clock does. The round may go back: resuming falls back to an older checkpoint when the
 * newest is incomplete.
 * @throws {InvalidArgumentError} naming the bad field.
 */
export function checkChange(current: JobRecord, change: JobChange): JobRecord {
  const next: JobRecord = { ...current, updatedAt: Math.max(Date.now(), current.updatedAt) };
  if (change.state !== undefined) next.state = change.state;
  if (change.round !== undefined) {
    if (!Number.isSafeInteger(change.round) || change.round < 0 || change.round > current.totalRounds) {
      throw new InvalidArgumentError('round', `expected an integer in [0, ${current.totalRounds}], got ${change.round}`);
    }
    next.round = change.round;
  }
  if (change.lastMetaLoss !== undefined) {
    if (!Number.isFinite(change.lastMetaLoss)) throw new InvalidArgumentError('lastMetaLoss', `expected a finite number, got ${change.lastMetaLoss}`);
    next.lastMetaLoss = change.lastMetaLoss;
  }
  if (change.evaluatedRound !== undefined) {
    if (!Number.isSafeInteger(change.evaluatedRound) || change.evaluatedRound < 0 || change.evaluatedRound > current.totalRounds) {
      throw new InvalidArgumentError('evaluatedRound', `expected an integer in [0, ${current.totalRounds}], got ${change.evaluatedRound}`);
    }
    next.evaluatedRound = change.evaluatedRound;
  }
  if (change.backends !== undefined) {
    if (!change.backends.every((b) => typeof b === 'string' && b.length > 0)) throw new InvalidArgumentError('backends', 'expected non-empty strings');
    next.backends = [...change.backends];
  }
  if (change.error !== undefined) {
    if (next.state !== 'FAILED' && next.state !== 'CANCELLED') {
      throw new InvalidArgumentError('error', `only a FAILED or CANCELLED job has an error; the job would be ${next.state}`);
    }
    next.error = change.error;
  }
  return next;
}
