import type { Redis } from 'ioredis';
import { PRIORITY_LIMIT } from 'bullmq';
import type { ShardQueueKeys } from '@metatrain/contract';
import type { ShardKind } from '@metatrain/core';

/**
 * Fairness between jobs sharing the queue: start-time fair queuing on BullMQ priorities.
 *
 * Plain FIFO would run every shard of the first job's round before any of the second's, and
 * priority-by-shard-index (shard s of every job at priority s) starves a job with many shards
 * per round behind a job with few, whose next round always comes back at the front. Instead
 * each job holds a virtual finish tag F_j; a round of S shards gets the tags
 * max(V, F_j) … max(V, F_j) + S − 1, and F_j moves just past them. V, the virtual time, is
 * what has been served: the tag of the lowest waiting priority, or, when nothing waits, the
 * highest F_j (everyone is caught up). So workers take shards of all active jobs in turn,
 * each job getting an equal share of shards; a job arriving late starts at V and neither
 * jumps ahead of the others' backlog nor waits behind it.
 *
 * BullMQ pops the lowest priority first (ties FIFO) and caps priorities at 2^21 − 1. Tags
 * are reset to 0 whenever nothing waits and V has passed half that cap; a queue that never
 * drains in two million shards degrades to FIFO at the cap rather than failing.
 *
 * Priority 1 is reserved for re-enqueued shards: a missing shard holds its whole round back.
 */
export const RETRY_PRIORITY = 1;
/** The priority of tag 0; tags count up from here. */
const FIRST_FAIR_PRIORITY = 2;

// KEYS[1] prioritized zset, KEYS[2] fair-share hash; ARGV[1] job id, ARGV[2] shard count,
// ARGV[3] the tag at which to reset, ARGV[4] the collection's sequence number, ARGV[5] '1' to
// reserve only when no collection of that number or later was enqueued before. BullMQ scores
// are priority * 2^32 + a counter. Returns the first tag of the reserved range, or -1.
const RESERVE_TAGS = `
local enqueued = 'e:' .. ARGV[1]
local before = tonumber(redis.call('HGET', KEYS[2], enqueued) or '-1')
local sequence = tonumber(ARGV[4])
if ARGV[5] == '1' and before >= sequence then return -1 end
if sequence > before then redis.call('HSET', KEYS[2], enqueued, sequence) end
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local v = tonumber(redis.call('HGET', KEYS[2], 'v') or '0')
local highest = tonumber(redis.call('HGET', KEYS[2], 'max') or '0')
if head[2] == nil then
  if highest >= tonumber(ARGV[3]) then
    -- Tags restart at 0; the records of what each job enqueued stay.
    for _, key in ipairs(redis.call('HKEYS', KEYS[2])) do
      if string.sub(key, 1, 2) ~= 'e:' then redis.call('HDEL', KEYS[2], key) end
    end
    v = 0
    highest = 0
  elseif highest > v then
    v = highest
  end
else
  -- Every tag below the head's has been taken by a worker (a retry's is below them all).
  local served = math.floor(tonumber(head[2]) / 4294967296) - ${FIRST_FAIR_PRIORITY}
  if served > v then v = served end
end
local field = 'f:' .. ARGV[1]
local start = math.max(v, tonumber(redis.call('HGET', KEYS[2], field) or '0'))
local finish = start + tonumber(ARGV[2])
redis.call('HSET', KEYS[2], 'v', v, field, finish)
if finish > highest then redis.call('HSET', KEYS[2], 'max', finish) end
return start
`;

/**
 * The place of a collection in its job's order: the evaluation of version v, then round v.
 * Increases with every collection a job's loop runs, so "not enqueued before" is a comparison.
 */
export function collectionSequence(kind: ShardKind, version: number): number {
  return 2 * version + (kind === 'train' ? 1 : 0);
}

/**
 * Reserves `count` consecutive fair-share tags for `jobId` and returns their BullMQ
 * priorities, in order (the first for the lowest shard index), recording that the job's
 * collection `sequence` is enqueued. With `onlyIfNew`, reserves nothing and returns undefined
 * when that collection (or a later one) was enqueued before — by this coordinator or one
 * before it, so some of its shards may exist already.
 */
export async function reserveFairPriorities(redis: Redis, keys: ShardQueueKeys, jobId: string, count: number, sequence: number, onlyIfNew = false): Promise<number[] | undefined> {
  const resetAt = Math.floor((PRIORITY_LIMIT - FIRST_FAIR_PRIORITY) / 2);
  const start = Number(await redis.eval(RESERVE_TAGS, 2, keys.prioritized, keys.fairShare, jobId, count, resetAt, sequence, onlyIfNew ? '1' : '0'));
  if (start < 0) return undefined;
  return Array.from({ length: count }, (_, i) => Math.min(PRIORITY_LIMIT, FIRST_FAIR_PRIORITY + start + i));
}

/**
 * Drops a job's fair-share tag (when its loop ends here); with `final` (the job ended for good)
 * also the record of what it enqueued, which a successor coordinator resuming it would need.
 */
export async function forgetFairShare(redis: Redis, keys: ShardQueueKeys, jobId: string, final: boolean): Promise<void> {
  await redis.hdel(keys.fairShare, `f:${jobId}`, ...(final ? [`e:${jobId}`] : []));
}
