import type { Redis } from 'ioredis';
import { NotFoundError } from '../grpc/grpc-errors';
import { openRedis } from '../connect-redis';
import { applyJobChange, type JobChange } from './job-change';
import { newJobRecord, type JobRegistry, type NewJob } from './job-registry';
import { parseJobRecord, type JobRecord, type JobStateName } from './job-record';
import { LeaseLostError, RegistryLease } from './lease';
import { DEFAULT_REGISTRY_PREFIX, registryKeys, type RegistryKeys } from './registry-keys';

/** Options of {@link RedisJobRegistry.create}. */
export interface RedisJobRegistryOptions {
  /** `redis://…` or `rediss://…` (REDIS_URL). */
  redisUrl: string;
  /** Key prefix. @default 'metatrain:registry' */
  prefix?: string;
  /** Receives connection trouble. @default one line on stderr */
  onError?: (error: Error) => void;
}

// Writes are fenced by the lease: refused (-1) while another owner holds it. ARGV[1] is the
// writer's owner id ('' for a registry without a lease, which may write only while nobody holds it).
const FENCE = `local holder = redis.call('GET', KEYS[1]) if holder and holder ~= ARGV[1] then return -1 end`;
// KEYS: lease, record, index. ARGV: owner, json, id, createdAt.
const CREATE = `${FENCE} if not redis.call('SET', KEYS[2], ARGV[2], 'NX') then return 0 end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3]) return 1`;
// KEYS: lease, record. ARGV: owner, the record as read, the new record. Compare-and-set.
const UPDATE = `${FENCE} local current = redis.call('GET', KEYS[2]) if not current then return -2 end
if current ~= ARGV[2] then return 0 end redis.call('SET', KEYS[2], ARGV[3]) return 1`;

/**
 * The coordinator's job registry, kept in Redis so that it survives a coordinator restart:
 * a new registry on the same Redis (and prefix) sees every job. Whether it survives a Redis
 * restart is Redis's persistence setting (appendonly). State changes follow
 * job-transitions.ts, checked and written atomically (compare-and-set on the record).
 *
 * Writes are fenced by the lease (lease.ts): while some owner holds it, only a registry that
 * acquired it under that owner id may write; others get {@link LeaseLostError}. Reads are
 * never fenced, so a standby coordinator can serve GetJob and ListJobs.
 */
export class RedisJobRegistry implements JobRegistry {
  private readonly keys: RegistryKeys;
  private lease: RegistryLease | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly redis: Redis, prefix: string) {
    this.keys = registryKeys(prefix);
  }

  /** Connects (failing if the first attempt fails; later outages are retried). */
  static async create(options: RedisJobRegistryOptions): Promise<RedisJobRegistry> {
    const { redis } = await openRedis(options.redisUrl, options.onError ?? ((e: Error) => process.stderr.write(`job-registry: ${e.message}\n`)));
    return new RedisJobRegistry(redis, options.prefix ?? DEFAULT_REGISTRY_PREFIX);
  }

  async createJob(job: NewJob): Promise<JobRecord> {
    for (let tries = 0; tries < 5; tries++) {
      const record = newJobRecord(job);
      const outcome = await this.write(CREATE, [this.keys.job(record.id), this.keys.index], [JSON.stringify(record), record.id, record.createdAt]);
      if (outcome === 1) return record;
    }
    throw new Error(`job registry: no free id for ${job.name} after 5 tries`); // 36^6 suffixes: a broken RNG
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const text = await this.redis.get(this.keys.job(id));
    return text === null ? undefined : parseJobRecord(this.keys.job(id), text);
  }

  async listJobs(states?: readonly JobStateName[]): Promise<JobRecord[]> {
    const ids = await this.redis.zrange(this.keys.index, 0, -1);
    const records: JobRecord[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const texts = chunk.length > 0 ? await this.redis.mget(chunk.map((id) => this.keys.job(id))) : [];
      texts.forEach((text, j) => text !== null && records.push(parseJobRecord(this.keys.job(chunk[j] ?? ''), text)));
    }
    return states ? records.filter((r) => states.includes(r.state)) : records;
  }

  /** {@inheritDoc JobRegistry.updateJob} Also {@link LeaseLostError} when another coordinator holds the registry. */
  async updateJob(id: string, change: JobChange): Promise<JobRecord> {
    for (;;) {
      const text = await this.redis.get(this.keys.job(id));
      if (text === null) throw new NotFoundError('job_id', `no job ${id}`);
      const current = parseJobRecord(this.keys.job(id), text);
      const next = applyJobChange(current, change);
      if (next === current) return current;
      const outcome = await this.write(UPDATE, [this.keys.job(id)], [text, JSON.stringify(next)]);
      if (outcome === -2) throw new NotFoundError('job_id', `no job ${id}`);
      if (outcome === 1) return next;
      // 0: someone wrote in between; read again and re-check against what is there now.
    }
  }

  /**
   * Takes the registry lease for `ownerId` (see {@link RegistryLease}); undefined while
   * another owner holds it. Once taken, this registry's writes are fenced with it.
   */
  async acquireLease(ownerId: string, ttlMs: number): Promise<RegistryLease | undefined> {
    const lease = await RegistryLease.acquire(this.redis, this.keys.lease, ownerId, ttlMs);
    if (lease) this.lease = lease;
    return lease;
  }

  /** The owner id holding the lease now, if any. */
  async leaseHolder(): Promise<string | undefined> {
    return (await this.redis.get(this.keys.lease)) ?? undefined;
  }

  /** Releases a lease this registry took, and closes the connection; idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const errors: unknown[] = [];
      await this.lease?.release().catch((err: unknown) => errors.push(err));
      await this.redis.quit().catch((err: unknown) => {
        errors.push(err);
        this.redis.disconnect();
      });
      if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'job-registry: close failed');
    })());
  }

  private async write(script: string, keys: string[], args: (string | number)[]): Promise<number> {
    const owner = this.lease?.ownerId ?? '';
    const outcome = Number(await this.redis.eval(script, keys.length + 1, this.keys.lease, ...keys, owner, ...args));
    if (outcome === -1) throw new LeaseLostError(owner, (await this.leaseHolder()) ?? '(expired)');
    return outcome;
  }
}
