// The queue message of one shard, shared by producer and consumer. No BullMQ import here, so
// the worker side can take this file as it is.
import { firstIssue, SHARD_KINDS, type ShardKind } from '@metatrain/core';
import { z } from 'zod';

/**
 * What a worker needs to compute one shard: descriptors only, never tensors. The shard is
 * blocks `firstBlock … firstBlock + blockCount - 1` of parameter version `version`: of round
 * `version` for a `train` shard, of its held-out evaluation for an `eval` shard. The blocks'
 * tasks follow from the job's spec (`blockSize`), their data from the job's seed; the
 * parameters are fetched from the coordinator.
 */
export interface ShardMessage {
  kind: ShardKind;
  jobId: string;
  /** The parameter version the shard computes from (a train shard's round). */
  version: number;
  /** The shard's first block: its results are kept per block, from this index on. */
  firstBlock: number;
  /** The shard's number of blocks, at least 1. */
  blockCount: number;
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

const got = (input: unknown) => `got ${describe(input)}`;
const count = z.number({ error: (issue) => `expected a non-negative integer, ${got(issue.input)}` }).int({ error: (issue) => `expected a non-negative integer, ${got(issue.input)}` }).min(0, { error: (issue) => `expected a non-negative integer, ${got(issue.input)}` });

// Unknown fields are ignored (zod strips them), so that a newer coordinator may add one without
// breaking older workers; known fields must be exactly right.
const shardMessageSchema = z
  .object(
    {
      kind: z.enum(SHARD_KINDS as [ShardKind, ...ShardKind[]], { error: (issue) => `expected ${SHARD_KINDS.map((k) => JSON.stringify(k)).join(' or ')}, ${got(issue.input)}` }),
      jobId: z.string({ error: (issue) => `expected 1-128 letters, digits, '.', '_' or '-' (not starting with a symbol), ${got(issue.input)}` }).regex(JOB_ID_PATTERN, {
        error: (issue) => `expected 1-128 letters, digits, '.', '_' or '-' (not starting with a symbol), ${got(issue.input)}`,
      }),
      version: count,
      firstBlock: count,
      blockCount: count.min(1, { error: (issue) => `expected at least one block, ${got(issue.input)}` }),
    },
    { error: (issue) => `expected an object, ${got(issue.input)}` },
  );

/**
 * Checks an untrusted value (a dequeued job's data) and returns it as a {@link ShardMessage}.
 * @throws {ShardMessageError} naming the first bad field.
 */
export function parseShardMessage(value: unknown): ShardMessage {
  const parsed = shardMessageSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { path, message } = firstIssue(parsed.error);
  throw new ShardMessageError(path || '(message)', message);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
