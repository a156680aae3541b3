import { BACKEND_NAMES, firstIssue } from '@metatrain/core';
import { z } from 'zod';

/** Job states, as stored and as printed by the CLI. */
export const JOB_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;

/** One of {@link JOB_STATES}. (Named apart from the proto's numeric `JobState` enum.) */
export type JobStateName = (typeof JOB_STATES)[number];

const count = z.number().int().min(0);

const jobRecordSchema = z.object({
  /** `{name}-{suffix}`: unique in the registry, and the job's prefix in storage and the queue. */
  id: z.string(),
  name: z.string(),
  /** The spec text as submitted (YAML or JSON); stored as given. */
  spec: z.string(),
  state: z.enum(JOB_STATES),
  /** Rounds completed; the job's parameters are version `roundsCompleted`. */
  roundsCompleted: count,
  /** outer.iterations of the spec. */
  totalRounds: count,
  /** Unix epoch milliseconds. */
  createdAt: count,
  updatedAt: count,
  /** Why the job FAILED (or was CANCELLED), when it did. */
  error: z.string().optional(),
  /** Meta-loss of the last completed round. */
  lastMetaLoss: z.number().optional(),
  /** Compute backends that have reported shards of this job. */
  backends: z.array(z.string()).optional(),
  /**
   * The one backend the job is computed on (docs/ARCHITECTURE.md §5, Pools): chosen at its
   * first enqueue, then never changed; absent until then.
   */
  backend: z.enum(BACKEND_NAMES).optional(),
});

/** A job as the registry keeps it. */
export type JobRecord = z.infer<typeof jobRecordSchema>;

/** A stored record that is not a {@link JobRecord}: a bug or a foreign writer; names the key. */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`job registry: ${key}: ${reason}`);
  }
}

/** Parses a stored record, checking every field, so a bad record fails here and not later. */
export function parseJobRecord(key: string, text: string): JobRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptRecordError(key, 'not JSON');
  }
  const parsed = jobRecordSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { path } = firstIssue(parsed.error);
  throw new CorruptRecordError(key, path ? `bad field ${path}` : 'not an object');
}
