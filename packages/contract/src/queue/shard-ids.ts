// BullMQ job ids of shards. No BullMQ import: the worker side may use these too.
import type { ShardKind } from '@metatrain/core';

/** The BullMQ job name of every shard job (the id says which shard it is). */
export const SHARD_JOB_NAME = 'shard';

/** Where a shard job id comes from: the job, the parameter version, the kind, the shard and the attempt. */
export interface ShardJobRef {
  kind: ShardKind;
  jobId: string;
  version: number;
  shard: number;
  /** 0 for the first enqueue; n for the n-th re-enqueue. */
  attempt: number;
}

/**
 * The BullMQ job id of a shard of parameter version `version`: `{jobId}-r{version}-s{shard}` for
 * a shard of round `version`, `{jobId}-r{version}-e{shard}` for a shard of its evaluation, with
 * `-a{attempt}` appended for re-enqueues. BullMQ refuses to add a second job under an id whose job still
 * exists (in any state, completed and failed included), so the plain id makes enqueueing a
 * round idempotent, and the attempt suffix is what lets a shard run again after its earlier
 * job finished, failed or got stuck.
 */
export function shardJobId(jobId: string, version: number, shard: number, attempt = 0, kind: ShardKind = 'train'): string {
  const base = `${jobId}-r${version}-${kind === 'eval' ? 'e' : 's'}${shard}`;
  return attempt === 0 ? base : `${base}-a${attempt}`;
}

const SHARD_JOB_ID = /^(.+)-r(\d+)-([se])(\d+)(?:-a([1-9]\d*))?$/;

/** The inverse of {@link shardJobId}; undefined for an id it did not make. */
export function parseShardJobId(id: string): ShardJobRef | undefined {
  const match = SHARD_JOB_ID.exec(id);
  if (!match) return undefined;
  const [, jobId = '', version = '', letter = '', shard = '', attempt = '0'] = match;
  return { kind: letter === 'e' ? 'eval' : 'train', jobId, version: Number(version), shard: Number(shard), attempt: Number(attempt) };
}
