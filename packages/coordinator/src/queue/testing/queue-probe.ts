// Test support (@metatrain/coordinator/testing): a plain BullMQ producer and a manual BullMQ
// consumer on a queue, plus raw Redis reads. Lives here because tests in test/ cannot import
// bullmq or ioredis (they are dependencies of this package, not of the root).
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job, type JobState } from 'bullmq';
import { Redis } from 'ioredis';

/** A job a probe took from the queue: it stays active (locked) until completed or failed. */
export interface TakenJob {
  id: string;
  data: unknown;
  priority: number;
  job: Job;
}

/** Drives a BullMQ queue by hand, as a worker would, one job at a time. */
export class QueueProbe {
  private readonly token = randomUUID();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly worker: Worker,
  ) {}

  static async create(redisUrl: string, prefix: string, queueName: string): Promise<QueueProbe> {
    // BullMQ workers need maxRetriesPerRequest: null (their blocking commands wait forever).
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined); // tests that restart Redis expect connection errors
    const queue = new Queue(queueName, { connection: redis, prefix });
    const worker = new Worker(queueName, null, { connection: redis, prefix, autorun: false });
    queue.on('error', () => undefined);
    worker.on('error', () => undefined);
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    return new QueueProbe(redis, queue, worker);
  }

  /** The keys of the queue as BullMQ itself computes them. */
  get bullmqKeys(): { wait: string; prioritized: string; active: string; delayed: string } {
    const { wait = '', prioritized = '', active = '', delayed = '' } = this.queue.keys;
    return { wait, prioritized, active, delayed };
  }

  /** A plain `Queue.add` with a custom id: to observe BullMQ's own handling of ids. */
  async add(id: string, data: object, attempts = 1): Promise<string | undefined> {
    return (await this.queue.add('probe', data, { jobId: id, attempts, priority: 1 })).id;
  }

  /** Takes the next job as a worker would (moves it to active), or undefined when none waits. */
  async take(): Promise<TakenJob | undefined> {
    const job = await this.worker.getNextJob(this.token, { block: false });
    if (!job?.id) return undefined;
    return { id: job.id, data: job.data, priority: job.priority, job };
  }

  /** Takes jobs until none waits; returns their ids in order, completing each. */
  async drain(): Promise<string[]> {
    const ids: string[] = [];
    for (let taken = await this.take(); taken; taken = await this.take()) {
      ids.push(taken.id);
      await this.complete(taken);
    }
    return ids;
  }

  async complete(taken: TakenJob): Promise<void> {
    await taken.job.moveToCompleted('done', this.token, false);
  }

  async fail(taken: TakenJob, reason = 'probe failure'): Promise<void> {
    await taken.job.moveToFailed(new Error(reason), this.token, false);
  }

  /** Removes a job (any state but active); 1 if removed. */
  remove(id: string): Promise<number> {
    return this.queue.remove(id);
  }

  state(id: string): Promise<JobState | 'unknown'> {
    return this.queue.getJobState(id);
  }

  /** How many jobs the queue holds in any state. */
  async jobCount(): Promise<number> {
    const counts = await this.queue.getJobCounts();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  zcard(key: string): Promise<number> {
    return this.redis.zcard(key);
  }

  llen(key: string): Promise<number> {
    return this.redis.llen(key);
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      await this.worker.close(true);
      await this.queue.close();
      await this.redis.quit();
    })());
  }
}

/** Deletes every key starting with `prefix` (SCAN, not KEYS: the server may be shared). */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    await redis.quit();
  }
}

/** Reads one key's remaining time to live in ms (-2 missing, -1 no TTL). */
export async function keyTtl(redisUrl: string, key: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    return await redis.pttl(key);
  } finally {
    await redis.quit();
  }
}
