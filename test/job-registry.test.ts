import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FailedPreconditionError, InvalidArgumentError, InvalidTransitionError, LeaseKeeper, LeaseLostError, NotFoundError, RedisJobRegistry } from '@metatrain/coordinator';
// Test-only BullMQ access (tests in test/ cannot import bullmq themselves).
import { deleteKeys, keyTtl } from '@metatrain/coordinator/testing';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';

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

/** Registries sharing one fresh prefix (the same Redis state), closed and deleted after the test. */
async function openRegistries(count: number, url = server.url): Promise<RedisJobRegistry[] & { prefix: string }> {
  const prefix = uniquePrefix('registry');
  cleanup.push(() => deleteKeys(url, prefix));
  const registries: RedisJobRegistry[] = [];
  for (let i = 0; i < count; i++) {
    const registry = await RedisJobRegistry.create({ redisUrl: url, prefix, onError: () => undefined });
    cleanup.push(() => registry.close());
    registries.push(registry);
  }
  return Object.assign(registries, { prefix });
}

const newJob = (name = 'sinusoid-maml') => ({ name, spec: `name: ${name}\nalgorithm: maml\n`, totalRounds: 100 });

async function caught(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (err: unknown) => err);
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error;
}

describe('RedisJobRegistry', () => {
  it('creates QUEUED jobs under unique ids, gets and lists them oldest first', async () => {
    const [registry] = await openRegistries(1);
    if (!registry) throw new Error('no registry');
    const first = await registry.createJob(newJob());
    expect(first).toMatchObject({ name: 'sinusoid-maml', state: 'QUEUED', roundsCompleted: 0, totalRounds: 100, spec: 'name: sinusoid-maml\nalgorithm: maml\n' });
    expect(first.id).toMatch(/^sinusoid-maml-[a-z0-9]{6}$/);
    expect(first.createdAt).toBe(first.updatedAt);
    expect(await registry.getJob(first.id)).toEqual(first);
    expect(await registry.getJob('sinusoid-maml-nope00')).toBeUndefined();

    const more = [];
    for (let i = 0; i < 20; i++) more.push(await registry.createJob(newJob(i % 2 ? 'omniglot-protonet' : 'sinusoid-maml')));
    const listed = await registry.listJobs();
    expect(new Set(listed.map((j) => j.id)).size).toBe(21);
    expect(listed.map((j) => j.id).sort()).toEqual([first, ...more].map((j) => j.id).sort());
    expect(listed[0]?.id).toBe(first.id);
    for (let i = 1; i < listed.length; i++) expect(listed[i]?.createdAt).toBeGreaterThanOrEqual(listed[i - 1]?.createdAt ?? 0);

    await expect(registry.createJob(newJob('Bad_Name'))).rejects.toThrow(/name: expected 1-100 lowercase letters/);
    await expect(registry.createJob({ ...newJob(), totalRounds: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('allows only valid state transitions, naming the states when refusing', async () => {
    const [registry] = await openRegistries(1);
    if (!registry) throw new Error('no registry');
    const { id } = await registry.createJob(newJob());
    const bad = await caught(registry.updateJob(id, { state: 'SUCCEEDED' }));
    expect(bad).toBeInstanceOf(InvalidTransitionError);
    expect(bad).toBeInstanceOf(FailedPreconditionError);
    expect(bad.message).toBe(`state: job ${id} is QUEUED; it can become RUNNING, FAILED, CANCELLED, not SUCCEEDED`);

    const running = await registry.updateJob(id, { state: 'RUNNING' });
    expect(running.state).toBe('RUNNING');
    const progressed = await registry.updateJob(id, { roundsCompleted: 40, lastMetaLoss: 0.51, backends: ['wasm'] });
    expect(progressed).toMatchObject({ state: 'RUNNING', roundsCompleted: 40, lastMetaLoss: 0.51, backends: ['wasm'] });
    expect(progressed.updatedAt).toBeGreaterThanOrEqual(running.updatedAt);
    await expect(registry.updateJob(id, { roundsCompleted: 101 })).rejects.toThrow(/^roundsCompleted: expected an integer in \[0, 100\], got 101$/);
    await expect(registry.updateJob(id, { error: 'boom' })).rejects.toThrow(/^error: only a FAILED or CANCELLED job has an error/);

    await registry.updateJob(id, { state: 'SUCCEEDED', roundsCompleted: 100 });
    const final = await caught(registry.updateJob(id, { state: 'RUNNING' }));
    expect(final.message).toBe(`state: job ${id} is SUCCEEDED, which is final; it cannot change to RUNNING`);
    await expect(registry.updateJob(id, { roundsCompleted: 3 })).rejects.toThrow(/SUCCEEDED, which is final; it cannot change$/);
    expect(await registry.updateJob(id, { state: 'SUCCEEDED' })).toMatchObject({ state: 'SUCCEEDED', roundsCompleted: 100 });

    const cancelled = await registry.createJob(newJob());
    await registry.updateJob(cancelled.id, { state: 'CANCELLED', error: 'cancelled by user' });
    expect(await registry.updateJob(cancelled.id, { state: 'CANCELLED' })).toMatchObject({ state: 'CANCELLED', error: 'cancelled by user' });
    await expect(registry.updateJob(cancelled.id, { state: 'FAILED' })).rejects.toThrow(/is CANCELLED, which is final; it cannot change to FAILED/);
    await expect(registry.updateJob('no-such-job', { state: 'RUNNING' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await registry.listJobs(['SUCCEEDED', 'CANCELLED'])).map((j) => j.state).sort()).toEqual(['CANCELLED', 'SUCCEEDED']);
  });

  it('lets exactly one of two racing final transitions win', async () => {
    const [a, b] = await openRegistries(2);
    if (!a || !b) throw new Error('no registries');
    for (let trial = 0; trial < 10; trial++) {
      const { id } = await a.createJob(newJob());
      await a.updateJob(id, { state: 'RUNNING' });
      const outcomes = await Promise.allSettled([a.updateJob(id, { state: 'SUCCEEDED' }), b.updateJob(id, { state: 'CANCELLED' })]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const loser = outcomes.find((o) => o.status === 'rejected');
      expect(loser?.status === 'rejected' && loser.reason).toBeInstanceOf(InvalidTransitionError);
    }
  });

  it('survives a coordinator restart: a new registry on the same Redis sees everything', async () => {
    const [before, after] = await openRegistries(2);
    if (!before || !after) throw new Error('no registries');
    const job = await before.createJob(newJob());
    const updated = await before.updateJob(job.id, { state: 'RUNNING', roundsCompleted: 5 });
    await before.close();
    await before.close(); // idempotent
    expect(await after.getJob(job.id)).toEqual(updated);
    expect((await after.listJobs()).map((j) => j.id)).toEqual([job.id]);
  });

  it('lets one owner hold the lease while it renews, fencing the others\' writes', async () => {
    const [a, b] = await openRegistries(2);
    if (!a || !b) throw new Error('no registries');
    const lease = await a.acquireLease('coordinator-a', 600);
    if (!lease) throw new Error('lease not acquired');
    const renewalErrors: unknown[] = [];
    lease.keepAlive((err) => renewalErrors.push(err));
    const deadline = Date.now() + 1500; // 2.5 TTLs: only renewals keep it
    while (Date.now() < deadline) {
      expect(await b.acquireLease('coordinator-b', 600)).toBeUndefined();
      await sleep(100);
    }
    expect(lease.held).toBe(true);
    expect(renewalErrors).toEqual([]);
    expect(await b.leaseHolder()).toBe('coordinator-a');
    await a.createJob(newJob());
    const refused = await caught(b.createJob(newJob()));
    expect(refused).toBeInstanceOf(LeaseLostError);
    expect(refused.message).toContain('held by coordinator-a');

    await lease.release();
    expect(lease.signal.reason).toBe('released');
    expect(await b.acquireLease('coordinator-b', 600)).toBeDefined();
  });

  it('hands the lease over after the owner stops renewing, and the old owner learns it lost it', async () => {
    const [a, b] = await openRegistries(2);
    if (!a || !b) throw new Error('no registries');
    const old = await a.acquireLease('coordinator-a', 250);
    if (!old) throw new Error('lease not acquired');
    expect(await a.acquireLease('coordinator-a', 250)).toBeDefined(); // same owner: re-entrant
    expect(await b.acquireLease('coordinator-b', 250)).toBeUndefined();
    await sleep(350); // a "crashed": no renewals
    expect(old.held).toBe(false);
    expect(old.signal.reason).toBe('expired');
    const taken = await b.acquireLease('coordinator-b', 5_000);
    expect(taken?.held).toBe(true);
    expect(await old.renew()).toBe(false);
    await expect(a.createJob(newJob())).rejects.toBeInstanceOf(LeaseLostError);
    await b.createJob(newJob());
  });
});

describe('JobRegistry across a Redis restart', () => {
  it('keeps jobs and the lease with appendonly, and the same registry reconnects', async () => {
    const redis = await startRedisServer({ private: true, appendOnly: true, password: 'registry-test' });
    cleanup.push(() => redis.close());
    const registries = await openRegistries(2, redis.url);
    const [registry, other] = registries;
    if (!registry || !other) throw new Error('no registries');
    const lease = await registry.acquireLease('coordinator-a', 60_000);
    const job = await registry.createJob(newJob());
    await redis.restart?.();
    expect(await registry.getJob(job.id)).toEqual(job);
    expect((await registry.updateJob(job.id, { state: 'RUNNING' })).state).toBe('RUNNING');
    expect(await other.leaseHolder()).toBe('coordinator-a');
    expect(await keyTtl(redis.url, `${registries.prefix}:lease`)).toBeGreaterThan(50_000); // the TTL survived too
    expect(await lease?.renew()).toBe(true);
    await expect(other.createJob(newJob())).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('loses everything without persistence (the default of the Redis on these machines)', async () => {
    const redis = await startRedisServer({ private: true });
    cleanup.push(() => redis.close());
    const [registry] = await openRegistries(1, redis.url);
    if (!registry) throw new Error('no registry');
    const job = await registry.createJob(newJob());
    await redis.restart?.();
    expect(await registry.getJob(job.id)).toBeUndefined();
    expect(await registry.listJobs()).toEqual([]);
  });
});

describe('LeaseKeeper', () => {
  async function keeperOn(registry: RedisJobRegistry, events: string[]) {
    const keeper = await LeaseKeeper.create({
      registry,
      owner: 'keeper-a',
      ttlMs: 1000,
      log: () => undefined,
      onLost: async (reason) => void events.push(`lost (${reason})`),
      onRetaken: async () => void events.push('retaken'),
    });
    cleanup.push(() => keeper.close());
    return keeper;
  }

  const until = async (condition: () => boolean): Promise<void> => {
    for (let i = 0; i < 400 && !condition(); i++) await sleep(25);
    expect(condition()).toBe(true);
  };

  it('takes the lease back after Redis was down longer than its TTL, stopping the jobs meanwhile', async () => {
    const redis = await startRedisServer({ private: true, appendOnly: true });
    cleanup.push(() => redis.close());
    const [registry] = await openRegistries(1, redis.url);
    if (!registry) throw new Error('no registry');
    const events: string[] = [];
    const keeper = await keeperOn(registry, events);
    await redis.stop?.();
    await until(() => events.length === 1);
    expect(keeper.held).toBe(false);
    await redis.restart?.();
    await until(() => events.length === 2);
    expect(events).toEqual(['lost (expired)', 'retaken']);
    expect(keeper.held).toBe(true);
    expect(await registry.leaseHolder()).toBe('keeper-a');
    await registry.createJob(newJob()); // fenced writes pass again
  });

  it('waits like a standby while another coordinator holds the lease, and takes it once it is free', async () => {
    const registries = await openRegistries(2);
    const [a, b] = registries;
    if (!a || !b) throw new Error('no registries');
    const events: string[] = [];
    const keeper = await keeperOn(a, events);
    await deleteKeys(server.url, `${registries.prefix}:lease`); // as if it had expired …
    const other = await b.acquireLease('coordinator-b', 60_000); // … and a standby took over
    await until(() => events.length === 1);
    expect(events).toEqual(['lost (taken)']);
    expect(keeper.held).toBe(false);
    await expect(a.createJob(newJob())).rejects.toBeInstanceOf(LeaseLostError);
    await other?.release();
    await until(() => events.length === 2);
    expect(events).toEqual(['lost (taken)', 'retaken']);
    expect(await b.leaseHolder()).toBe('keeper-a');
  });
});
