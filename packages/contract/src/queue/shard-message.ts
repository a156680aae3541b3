// The queue message of one shard, shared by producer and consumer. No BullMQ (nor any other)
// import here, so the worker side can take this file as it is.

/**
 * What a shard computes: `train`, the outer-gradient sum of tasks of a round (reported with
 * ReportShard); `eval`, the periodic held-out evaluation of one parameter version (reported
 * with ReportEval, never touching the parameters).
 */
export type ShardKind = 'train' | 'eval';

/** Every {@link ShardKind}. */
export const SHARD_KINDS: readonly ShardKind[] = ['train', 'eval'];

/**
 * What a worker needs to compute one shard (DESIGN.md §2, step 1): descriptors only, never
 * tensors. The tasks are `start … end-1` of round `round`, generated from the job's seed;
 * the parameters are version `parameterVersion`, fetched from the coordinator. For an `eval`
 * shard the tasks are held-out tasks of the evaluation stream, and `round` is the version
 * evaluated (equal to `parameterVersion`).
 */
export interface ShardMessage {
  kind: ShardKind;
  jobId: string;
  round: number;
  /** Shard index within the round: the report is kept under this index. */
  shard: number;
  /** First task index (inclusive). */
  start: number;
  /** Last task index (exclusive); `end > start`. */
  end: number;
  parameterVersion: number;
}

/** A queue message that is not a {@link ShardMessage}; `field` names the first bad field. */
export class ShardMessageError extends Error {
  override readonly name = 'ShardMessageError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`shard message: ${field}: ${reason}`);
  }
}

/**
 * Job ids become parts of BullMQ ids and Redis keys: BullMQ refuses `:` in custom ids, and
 * whitespace or control characters would make keys and logs ambiguous. Registry ids
 * (`{spec name}-{suffix}`, lowercase letters, digits, dashes) are well inside this.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Checks an untrusted value (a dequeued job's data) and returns it as a {@link ShardMessage}.
 * Unknown fields are ignored, so that a newer coordinator may add one without breaking older
 * workers; known fields must be exactly right.
 * @throws {ShardMessageError} naming the first bad field.
 */
export function parseShardMessage(value: unknown): ShardMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ShardMessageError('(message)', `expected an object, got ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  const jobId = record.jobId;
  if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) {
    throw new ShardMessageError('jobId', `expected 1-128 letters, digits, '.', '_' or '-' (not starting with a symbol), got ${describe(jobId)}`);
  }
  const integer = (field: string): number => {
    const n = record[field];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new ShardMessageError(field, `expected a non-negative integer, got ${describe(n)}`);
    }
    return n;
  };
  // Absent in the messages of coordinators that predate evaluation shards: those are train shards.
  const kind = record.kind ?? 'train';
  if (typeof kind !== 'string' || !(SHARD_KINDS as readonly string[]).includes(kind)) {
    throw new ShardMessageError('kind', `expected ${SHARD_KINDS.map((k) => JSON.stringify(k)).join(' or ')}, got ${describe(kind)}`);
  }
  const message: ShardMessage = {
    kind: kind as ShardKind,
    jobId,
    round: integer('round'),
    shard: integer('shard'),
    start: integer('start'),
    end: integer('end'),
    parameterVersion: integer('parameterVersion'),
  };
  if (message.end <= message.start) {
    throw new ShardMessageError('end', `must be greater than start (${message.start}), got ${message.end}`);
  }
  return message;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
