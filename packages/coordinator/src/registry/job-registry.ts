import { InvalidArgumentError } from '../grpc/grpc-errors';
import type { JobChange } from './job-change';
import { JOB_NAME_PATTERN, newJobId } from './job-id';
import type { JobRecord, JobStateName } from './job-record';

/** What {@link JobRegistry.createJob} needs; the coordinator has validated the spec. */
export interface NewJob {
  /** The spec's name: lowercase letters, digits, dashes. */
  name: string;
  /** The spec text as submitted. */
  spec: string;
  totalRounds: number;
}

/**
 * The jobs of a coordinator deployment, as the job manager reads and writes them
 * (RedisJobRegistry, which survives a coordinator restart; MemoryJobRegistry in unit tests).
 */
export interface JobRegistry {
  /** Adds a QUEUED job under a new unique id `{name}-{suffix}` and returns its record. */
  createJob(job: NewJob): Promise<JobRecord>;
  /** The job's record, or undefined when there is no such job. */
  getJob(id: string): Promise<JobRecord | undefined>;
  /** All jobs (optionally only those in `states`), oldest first (ties by id). */
  listJobs(states?: readonly JobStateName[]): Promise<JobRecord[]>;
  /**
   * Applies `change` to job `id` (job-change.ts's applyJobChange) and returns the new record.
   * @throws {NotFoundError} for an unknown job; {@link InvalidTransitionError}; {@link InvalidArgumentError}.
   */
  updateJob(id: string, change: JobChange): Promise<JobRecord>;
}

/** The record of a new QUEUED job, under a fresh id. @throws {InvalidArgumentError} naming a bad field */
export function newJobRecord(job: NewJob): JobRecord {
  if (!JOB_NAME_PATTERN.test(job.name)) throw new InvalidArgumentError('name', `expected 1-100 lowercase letters, digits or dashes, got ${JSON.stringify(job.name)}`);
  if (!Number.isSafeInteger(job.totalRounds) || job.totalRounds < 1) throw new InvalidArgumentError('totalRounds', `expected a positive integer, got ${job.totalRounds}`);
  const now = Date.now();
  return { id: newJobId(job.name), name: job.name, spec: job.spec, state: 'QUEUED', roundsCompleted: 0, totalRounds: job.totalRounds, createdAt: now, updatedAt: now };
}
