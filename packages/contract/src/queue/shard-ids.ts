// BullMQ job ids of shards. No BullMQ import: the worker side may use these too.
import type { ShardKind } from '@metatrain/core';

/** The BullMQ job name of every shard job (the id says which shard it is). */
export const SHARD_JOB_NAME = 'shard';

/** Where a shard job id comes from: the job, the parameter version, the kind, the block range and the attempt. */
export interface ShardJobRef {
  kind: ShardKind;
  jobId: string;
  version: number;
  /** The shard's first block. */
  firstBlock: number;
  /** The shard's number of blocks. */
  blockCount: number;
  /** 0 for the first enqueue; n for the n-th re-enqueue. */
  attempt: number;
}

/**
 * The BullMQ job id of a shard of parameter version `version`: `{jobId}-r{version}-b{first}-{end}`
 * for blocks first..end-1 of round `version`, `{jobId}-r{version}-e{first}-{end}` for blocks of
 * its evaluation, with `-a{attempt}` appended for re-enqueues. The id names the block range, not
 * a shard number, because the grouping of blocks may differ between a coordinator and its
 * successor. BullMQ refuses to add a second job under an id whose job still exists (in any
 * state, completed and failed included), so the plain id makes enqueueing a collection
 * idempotent, and the attempt suffix is what lets a range run again after its earlier job
 * finished, failed or got stuck.
 */
export function shardJobId(ref: Omit<ShardJobRef, 'attempt'>, attempt = 0): string {
  const base = `${ref.jobId}-r${ref.version}-${ref.kind === 'eval' ? 'e' : 'b'}${ref.firstBlock}-${ref.firstBlock + ref.blockCount}`;
  return attempt === 0 ? base : `${base}-a${attempt}`;
}

const SHARD_JOB_ID = /^(.+)-r(\d+)-([be])(\d+)-(\d+)(?:-a([1-9]\d*))?$/;

/** The inverse of {@link shardJobId}; undefined for an id it did not make. */
export function parseShardJobId(id: string): ShardJobRef | undefined {
  const match = SHARD_JOB_ID.exec(id);
  if (!match) return undefined;
  const [, jobId = '', version = '', letter = '', first = '', end = '', attempt = '0'] = match;
  const firstBlock = Number(first);
  const blockCount = Number(end) - firstBlock;
  if (blockCount < 1) return undefined;
  return { kind: letter === 'e' ? 'eval' : 'train', jobId, version: Number(version), firstBlock, blockCount, attempt: Number(attempt) };
}
