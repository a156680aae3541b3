/** Job states (DESIGN.md §5), as stored and as printed by the CLI. */
export const JOB_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;

/** One of {@link JOB_STATES}. (Named apart from the proto's numeric `JobState` enum.) */
export type JobStateName = (typeof JOB_STATES)[number];

/** A job as the registry keeps it. Times are Unix epoch milliseconds. */
export interface JobRecord {
  /** `{name}-{suffix}`: unique in the registry, and the job's prefix in storage and the queue. */
  id: string;
  name: string;
  /** The spec text as submitted (YAML or JSON); stored as given. */
  spec: string;
  state: JobStateName;
  /** Rounds completed; the job's parameters are version `round`. */
  round: number;
  /** outer.iterations of the spec. */
  totalRounds: number;
  createdAt: number;
  updatedAt: number;
  /** Why the job FAILED (or was CANCELLED), when it did. */
  error?: string;
  /** Meta-loss of the last completed round. */
  lastMetaLoss?: number;
  /** Compute backends that have reported shards of this job. */
  backends?: string[];
  /** The newest parameter version whose periodic evaluation (spec `eval:`) was published. */
  evaluatedRound?: number;
}

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

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses a stored record, checking every field, so a bad record fails here and not later. */
export function parseJobRecord(key: string, text: string): JobRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptRecordError(key, 'not JSON');
  }
  if (typeof value !== 'object' || value === null) throw new CorruptRecordError(key, 'not an object');
  const r = value as Record<string, unknown>;
  const bad = (field: string) => new CorruptRecordError(key, `bad field ${field}`);
  if (typeof r.id !== 'string' || typeof r.name !== 'string' || typeof r.spec !== 'string') throw bad('id, name or spec');
  if (!(JOB_STATES as readonly unknown[]).includes(r.state)) throw bad('state');
  for (const field of ['round', 'totalRounds', 'createdAt', 'updatedAt'] as const) if (!isCount(r[field])) throw bad(field);
  if (r.error !== undefined && typeof r.error !== 'string') throw bad('error');
  if (r.lastMetaLoss !== undefined && typeof r.lastMetaLoss !== 'number') throw bad('lastMetaLoss');
  if (r.evaluatedRound !== undefined && !isCount(r.evaluatedRound)) throw bad('evaluatedRound');
  if (r.backends !== undefined && !(Array.isArray(r.backends) && r.backends.every((b) => typeof b === 'string'))) throw bad('backends');
  return r as unknown as JobRecord;
}
