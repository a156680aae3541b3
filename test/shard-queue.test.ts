import { type BlockRange, groupBlocks } from '@metatrain/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BullShardQueue, type ShardQueueOptions } from '@metatrain/coordinator';
import { parseShardJobId, parseShardMessage, shardJobId, ShardMessageError, shardQueueKeys } from '@metatrain/contract';
// Test-only BullMQ access (tests in test/ cannot import bullmq themselves).
import { deleteKeys, QueueProbe, Redis } from '@metatrain/coordinator/testing';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';

/** `blocks` blocks of a collection in shards of `perShard` blocks. */
const shards = (blocks: number, perShard = 1): BlockRange[] => groupBlocks([...Array(blocks).keys()], perShard);

let server: RedisTestServer;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await server?.close();
});

/** A queue and a probe on a fresh prefix, closed and deleted after the test. */
async function openQueue(options: Partial<ShardQueueOptions> = {}, url = server.url) {
  const prefix = uniquePrefix('queue');
  const queue = await BullShardQueue.create({ redisUrl: url, prefix, ...options });
  cleanup.push(() => deleteKeys(url, prefix));
  cleanup.push(() => queue.close());
  const probe = await QueueProbe.create(url, prefix, queue.queueName);
  cleanup.push(() => probe.close());
  return { queue, probe, prefix };
}

describe('BullShardQueue', () => {
  it('gives BullMQ 5 key names for the wait list and the prioritized set, and shards land in the latter', async () => {
    const { queue, probe, prefix } = await openQueue();
    expect(shardQueueKeys(prefix, 'shards')).toMatchObject({ wait: `${prefix}:shards:wait`, prioritized: `${prefix}:shards:prioritized` });
    expect(probe.bullmqKeys).toEqual({ wait: queue.keys.wait, prioritized: queue.keys.prioritized, active: queue.keys.active, delayed: queue.keys.delayed });
    expect(shardQueueKeys()).toMatchObject({ wait: 'metatrain:shards:wait', prioritized: 'metatrain:shards:prioritized' });

    await queue.enqueue('job-a', 'train', 0, shards(10, 4));
    expect(await probe.zcard(queue.keys.prioritized)).toBe(3);
    expect(await probe.llen(queue.keys.wait)).toBe(0);
  });

  it('enqueues one job per shard with deterministic ids naming its blocks, and the same round twice adds nothing', async () => {
    const { queue, probe } = await openQueue();
    const plan = shards(25, 10);
    const first = await queue.enqueue('sine-abc123', 'train', 7, plan);
    expect(first).toEqual({ added: ['sine-abc123-r7-b0-10', 'sine-abc123-r7-b10-20', 'sine-abc123-r7-b20-25'], pending: [] });
    const again = await queue.enqueue('sine-abc123', 'train', 7, plan);
    expect(again).toEqual({ added: [], pending: first.added });
    expect(await probe.jobCount()).toBe(3);

    const taken = await probe.take();
    expect(taken?.id).toBe('sine-abc123-r7-b0-10');
    expect(parseShardMessage(taken?.data)).toEqual({ kind: 'train', jobId: 'sine-abc123', version: 7, firstBlock: 0, blockCount: 10 });
    expect(parseShardJobId('sine-abc123-r7-b20-25-a3')).toEqual({ kind: 'train', jobId: 'sine-abc123', version: 7, firstBlock: 20, blockCount: 5, attempt: 3 });
    expect(shardJobId({ kind: 'train', jobId: 'sine-abc123', version: 7, firstBlock: 20, blockCount: 5 }, 3)).toBe('sine-abc123-r7-b20-25-a3');
    expect(parseShardJobId('sine-abc123-r8-e1-2')).toEqual({ kind: 'eval', jobId: 'sine-abc123', version: 8, firstBlock: 1, blockCount: 1, attempt: 0 });
    expect(shardJobId({ kind: 'eval', jobId: 'sine-abc123', version: 8, firstBlock: 1, blockCount: 1 }, 2)).toBe('sine-abc123-r8-e1-2-a2');
    // Not an id of ours: an empty range, the old shard form.
    expect(parseShardJobId('sine-abc123-r8-b2-2')).toBeUndefined();
    expect(parseShardJobId('sine-abc123-r8-s1')).toBeUndefined();
  });

  it('enqueues evaluation shards beside the round of the same version, under ids of their own, idempotently', async () => {
    const { queue, probe } = await openQueue();
    const plan = shards(2);
    expect((await queue.enqueue('sine-ev', 'train', 4, plan)).added).toEqual(['sine-ev-r4-b0-1', 'sine-ev-r4-b1-2']);
    expect((await queue.enqueue('sine-ev', 'eval', 4, plan)).added).toEqual(['sine-ev-r4-e0-1', 'sine-ev-r4-e1-2']);
    expect((await queue.enqueue('sine-ev', 'eval', 4, plan)).added).toEqual([]);
    expect((await queue.reenqueue('sine-ev', 'eval', 4, [plan[1] as BlockRange])).pending).toEqual(['sine-ev-r4-e1-2']);
    const kinds: string[] = [];
    for (let t = await probe.take(); t; t = await probe.take()) kinds.push(`${t.id} ${parseShardMessage(t.data).kind}`);
    expect(kinds.sort()).toEqual(['sine-ev-r4-b0-1 train', 'sine-ev-r4-b1-2 train', 'sine-ev-r4-e0-1 eval', 'sine-ev-r4-e1-2 eval']);
  });

  it('relies on BullMQ ignoring an existing id in every state, and accepting it again once removed', async () => {
    const { probe } = await openQueue();
    expect(await probe.add('x-r0-s0', { n: 1 })).toBe('x-r0-s0');
    await probe.add('x-r0-s0', { n: 2 });
    expect(await probe.jobCount()).toBe(1);
    const taken = await probe.take();
    expect(taken?.data).toEqual({ n: 1 });
    await probe.add('x-r0-s0', { n: 3 }); // while active
    if (taken) await probe.complete(taken);
    await probe.add('x-r0-s0', { n: 4 }); // after completion: still the completed job, nothing waits
    expect(await probe.state('x-r0-s0')).toBe('completed');
    expect(await probe.take()).toBeUndefined();

    await probe.add('y-r0-s0', {});
    const failing = await probe.take();
    if (failing) await probe.fail(failing);
    await probe.add('y-r0-s0', {});
    expect(await probe.state('y-r0-s0')).toBe('failed');
    expect(await probe.take()).toBeUndefined();

    // Once the job is gone (removed, or dropped by removeOnComplete/removeOnFail) the id is free.
    expect(await probe.remove('x-r0-s0')).toBe(1);
    await probe.add('x-r0-s0', { n: 5 });
    expect((await probe.take())?.data).toEqual({ n: 5 });
  });

  it('re-enqueues missing shards whatever became of their earlier jobs, each message unchanged', async () => {
    const { queue, probe } = await openQueue({ attempts: 1 });
    const plan = shards(12, 3); // 4 shards of 3 blocks
    await queue.enqueue('job-b', 'train', 2, plan);
    const straggler = await probe.take(); // b0-3 stays active: its worker is slow
    const done = await probe.take(); // b3-6 finished, but its report was lost
    const failed = await probe.take(); // b6-9 failed for good
    if (!straggler || !done || !failed) throw new Error('expected three shards');
    await probe.complete(done);
    await probe.fail(failed);

    const result = await queue.reenqueue('job-b', 'train', 2, plan);
    expect(result.added).toEqual(['job-b-r2-b0-3-a1', 'job-b-r2-b3-6-a1', 'job-b-r2-b6-9-a1']);
    expect(result.pending).toEqual(['job-b-r2-b9-12']); // still waiting: moved to the front instead
    // Re-enqueueing again while the attempts wait adds nothing.
    expect((await queue.reenqueue('job-b', 'train', 2, plan)).added).toEqual([]);

    await queue.enqueue('job-other', 'train', 0, shards(2)); // fair-share priorities: behind the retries
    const order: { id: string; message: unknown }[] = [];
    for (let t = await probe.take(); t; t = await probe.take()) order.push({ id: t.id, message: parseShardMessage(t.data) });
    expect(order.map((o) => o.id)).toEqual(['job-b-r2-b0-3-a1', 'job-b-r2-b3-6-a1', 'job-b-r2-b6-9-a1', 'job-b-r2-b9-12', 'job-other-r0-b0-1', 'job-other-r0-b1-2']);
    expect(order[0]?.message).toEqual({ kind: 'train', jobId: 'job-b', version: 2, firstBlock: 0, blockCount: 3 });
    expect(order[2]?.message).toMatchObject({ firstBlock: 6, blockCount: 3 });
    // The straggler's own job can still complete; its report would then be a DUPLICATE.
    await probe.complete(straggler);
    expect(await probe.state('job-b-r2-b0-3')).toBe('completed');
  });

  it('re-enqueues missing blocks grouped otherwise than the first enqueue, under ids of their own', async () => {
    const { queue, probe } = await openQueue({ attempts: 1 });
    await queue.enqueue('job-h', 'train', 0, shards(6, 3)); // b0-3, b3-6
    await probe.drain();
    // Blocks 2 and 3 are missing (another grouping's shards delivered the rest).
    expect(await queue.reenqueue('job-h', 'train', 0, groupBlocks([2, 3], 3))).toEqual({ added: ['job-h-r0-b2-4'], pending: [] });
    expect(parseShardMessage((await probe.take())?.data)).toEqual({ kind: 'train', jobId: 'job-h', version: 0, firstBlock: 2, blockCount: 2 });
  });

  it('still adds a range whose attempt ids BullMQ holds after the attempt counter was lost', async () => {
    const { queue, probe } = await openQueue({ attempts: 1 });
    const plan = shards(1);
    await queue.enqueue('job-i', 'train', 0, plan);
    expect(await probe.drain()).toEqual(['job-i-r0-b0-1']);
    expect((await queue.reenqueue('job-i', 'train', 0, plan)).added).toEqual(['job-i-r0-b0-1-a1']);
    expect(await probe.drain()).toEqual(['job-i-r0-b0-1-a1']);
    // The job's loop stopped (its bookkeeping removed), while BullMQ keeps the finished jobs.
    await queue.removeJob('job-i', false);
    expect(await probe.state('job-i-r0-b0-1-a1')).toBe('completed');
    // A successor collects the round again: -a1 exists, so the next free attempt is added, and runs.
    expect((await queue.enqueue('job-i', 'train', 0, plan)).added).toEqual(['job-i-r0-b0-1-a2']);
    expect(await probe.drain()).toEqual(['job-i-r0-b0-1-a2']);
  });

  it('re-enqueueing a shard that is backing off after a failure runs it now', async () => {
    const { queue, probe } = await openQueue({ attempts: 2, backoffMs: 60_000 });
    await queue.enqueue('job-g', 'train', 0, shards(2));
    const failing = await probe.take();
    if (failing) await probe.fail(failing);
    expect(await probe.state('job-g-r0-b0-1')).toBe('delayed');
    expect(await queue.reenqueue('job-g', 'train', 0, shards(2).slice(0, 1))).toEqual({ added: [], pending: ['job-g-r0-b0-1'] });
    expect((await probe.take())?.id).toBe('job-g-r0-b0-1');
  });

  it('on enqueueing a round again after its jobs finished (a coordinator restart) adds new attempts', async () => {
    const { queue, probe } = await openQueue();
    const plan = shards(2);
    await queue.enqueue('job-c', 'train', 0, plan);
    expect(await probe.drain()).toEqual(['job-c-r0-b0-1', 'job-c-r0-b1-2']);
    expect((await queue.enqueue('job-c', 'train', 0, plan)).added).toEqual(['job-c-r0-b0-1-a1', 'job-c-r0-b1-2-a1']);
    expect((await queue.enqueue('job-c', 'train', 0, plan)).added).toEqual([]);
  });

  it('remembers what a job enqueued when the fair-share tags restart, until the job ends for good', async () => {
    const { queue, probe } = await openQueue();
    const plan = shards(2);
    await queue.enqueue('job-t', 'train', 0, plan);
    expect(await probe.drain()).toEqual(['job-t-r0-b0-1', 'job-t-r0-b1-2']);
    // Two million shards later, with nothing waiting, the next reservation restarts the tags.
    const redis = new Redis(server.url);
    cleanup.push(() => redis.quit());
    await redis.hset(queue.keys.fairShare, 'max', 2 ** 21);
    expect((await queue.enqueue('job-u', 'train', 0, plan)).added).toEqual(['job-u-r0-b0-1', 'job-u-r0-b1-2']);
    expect(await redis.hget(queue.keys.fairShare, 'max')).toBe('2');
    // Round 0 of job-t is still known as enqueued: collected again, its shards get new attempts.
    expect((await queue.enqueue('job-t', 'train', 0, plan)).added).toEqual(['job-t-r0-b0-1-a1', 'job-t-r0-b1-2-a1']);
    await queue.removeJob('job-t', false);
    expect(await redis.hget(queue.keys.fairShare, 'e:job-t')).toBe('1');
    await queue.removeJob('job-t', true);
    expect(await redis.hget(queue.keys.fairShare, 'e:job-t')).toBeNull();
  });

  it('refuses a bad shard before adding anything, naming the field', async () => {
    const { queue, probe } = await openQueue();
    const plan = [{ first: 0, count: 5 }, { first: 5, count: 0 }];
    await expect(queue.enqueue('job-d', 'train', 0, plan)).rejects.toThrow(/shard message: blockCount: expected at least one block, got number 0/);
    await expect(queue.enqueue('job:d', 'train', 0, shards(2))).rejects.toThrow(/jobId/);
    await expect(queue.enqueue('job-d', 'train', -1, shards(2))).rejects.toThrow(/version: expected a non-negative integer, got number -1/);
    expect(await probe.jobCount()).toBe(0);
  });

  it('counts waiting, prioritized, active and delayed shards', async () => {
    const { queue, probe } = await openQueue({ attempts: 2, backoffMs: 60_000 });
    expect(await queue.depth()).toEqual({ waiting: 0, prioritized: 0, active: 0, delayed: 0, total: 0 });
    await queue.enqueue('job-e', 'train', 0, shards(5));
    await probe.take();
    const failing = await probe.take();
    if (failing) await probe.fail(failing); // first of 2 attempts: back off for a minute
    expect(await queue.depth()).toEqual({ waiting: 0, prioritized: 3, active: 1, delayed: 1, total: 5 });
    expect(await probe.zcard(queue.keys.prioritized)).toBe(3);
  });

  it('interleaves two jobs enqueued together, and a job with few shards does not starve one with many', async () => {
    const { queue, probe } = await openQueue();
    await queue.enqueue('big', 'train', 0, shards(6));
    await queue.enqueue('small', 'train', 0, shards(3));
    expect(await probe.drain()).toEqual(['big-r0-b0-1', 'small-r0-b0-1', 'big-r0-b1-2', 'small-r0-b1-2', 'big-r0-b2-3', 'small-r0-b2-3', 'big-r0-b3-4', 'big-r0-b4-5', 'big-r0-b5-6']);

    // Rounds: "small" has one shard per round and comes back as soon as it is served. Under
    // priority-by-shard-index it would always be first; here "big" keeps its turn.
    await queue.enqueue('big', 'train', 1, shards(4));
    await queue.enqueue('small', 'train', 1, shards(1));
    const order: string[] = [];
    for (let round = 2; order.length < 8; round++) {
      const taken = await probe.take();
      if (!taken) break;
      order.push(taken.id);
      await probe.complete(taken);
      if (taken.id.startsWith('small-')) await queue.enqueue('small', 'train', round, shards(1));
    }
    expect(order.filter((id) => id.startsWith('big-'))).toEqual(['big-r1-b0-1', 'big-r1-b1-2', 'big-r1-b2-3', 'big-r1-b3-4']);
    expect(order.slice(0, 4).filter((id) => id.startsWith('big-')).length).toBe(2);
  });

  it('removes the waiting shards of a cancelled job, not its running ones nor another job\'s', async () => {
    const { queue, probe } = await openQueue();
    await queue.enqueue('doomed', 'train', 0, shards(3));
    await queue.enqueue('doomed-r0', 'train', 0, shards(2)); // a job id that extends the other
    const running = await probe.take();
    expect(running?.id).toBe('doomed-r0-b0-1');
    expect(await queue.removeJob('doomed', true)).toBe(2);
    expect(await queue.depth()).toMatchObject({ prioritized: 2, active: 1 });
    expect(await probe.drain()).toEqual(['doomed-r0-r0-b0-1', 'doomed-r0-r0-b1-2']);
  });

  it('closes idempotently', async () => {
    const { queue } = await openQueue();
    await Promise.all([queue.close(), queue.close()]);
    await queue.close();
  });

  it('reconnects after Redis restarts, and with appendonly the waiting shards survive', async () => {
    const own = await startRedisServer({ private: true, appendOnly: true });
    cleanup.push(() => own.close());
    const { queue, probe } = await openQueue({}, own.url);
    await queue.enqueue('job-f', 'train', 0, shards(4, 2));
    await own.restart?.();
    expect(await queue.depth()).toMatchObject({ prioritized: 2, total: 2 });
    expect((await queue.enqueue('job-f', 'train', 1, shards(1))).added).toEqual(['job-f-r1-b0-1']);
    expect(await probe.drain()).toEqual(['job-f-r0-b0-2', 'job-f-r0-b2-4', 'job-f-r1-b0-1']);
  });
});

describe('parseShardMessage', () => {
  const good = { kind: 'train', jobId: 'sine-abc123', version: 3, firstBlock: 1, blockCount: 2 };
  it.each([
    [null, '(message)', 'expected an object, got null'],
    [[1, 2], '(message)', 'expected an object, got an array'],
    [{ ...good, jobId: undefined }, 'jobId', 'got nothing'],
    [{ ...good, jobId: 'a:b' }, 'jobId', 'got "a:b"'],
    [{ ...good, version: -1 }, 'version', 'got number -1'],
    [{ ...good, firstBlock: 1.5 }, 'firstBlock', 'got number 1.5'],
    [{ ...good, firstBlock: '5' }, 'firstBlock', 'got "5"'],
    [{ ...good, blockCount: 0 }, 'blockCount', 'expected at least one block, got number 0'],
    [{ ...good, blockCount: undefined }, 'blockCount', 'got nothing'],
    [{ ...good, version: Number.NaN }, 'version', 'got number NaN'],
    [{ ...good, kind: 'grad' }, 'kind', 'expected "train" or "eval", got "grad"'],
    [{ ...good, kind: undefined }, 'kind', 'got nothing'],
    // The message of a coordinator from before blocks: no block range.
    [{ kind: 'train', jobId: 'sine-abc123', version: 3, shard: 1, start: 2, end: 4 }, 'firstBlock', 'got nothing'],
  ])('rejects %j naming %s', (value, field, reason) => {
    let error: unknown;
    try {
      parseShardMessage(value);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ShardMessageError);
    expect((error as ShardMessageError).field).toBe(field);
    expect((error as ShardMessageError).message).toContain(`${field}: `);
    expect((error as ShardMessageError).message).toContain(reason);
  });
  it('accepts a good message and ignores unknown fields', () => {
    expect(parseShardMessage({ ...good, traceId: 'x' })).toEqual(good);
    expect(parseShardMessage({ ...good, kind: 'eval' })).toEqual({ ...good, kind: 'eval' });
  });
});
