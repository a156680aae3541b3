import { encodeParameterAnnouncement, type Lane, laneQueueName, type ParameterAnnouncement, shardQueueKeys } from '@metatrain/contract';
import type { Log } from '@metatrain/core';
import type { Redis } from 'ioredis';
import { openRedis } from '../connect-redis';

/** Options of {@link ParameterAnnouncer.create}. */
export interface ParameterAnnouncerOptions {
  redisUrl: string;
  prefix: string;
  queueName: string;
  log: Log;
}

/**
 * Tells the workers that a parameter version can be fetched (docs/ARCHITECTURE.md §5): one
 * Redis PUBLISH on the `parameters` channel of the job's lane queue per version, so that workers which hold
 * the job prefetch θ before its shards arrive. Fire and forget: `announce` never waits and
 * never throws; a failure is logged and costs the workers only a fetch on demand.
 */
export class ParameterAnnouncer {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly redis: Redis,
    private readonly options: ParameterAnnouncerOptions,
    private readonly log: Log,
  ) {}

  /** Opens its own connection (PUBLISH must not queue behind BullMQ's commands). */
  static async create(options: ParameterAnnouncerOptions): Promise<ParameterAnnouncer> {
    const { redis } = await openRedis(options.redisUrl, (error) => options.log(`coordinator: parameter announcements: Redis: ${error.message}`, { level: 'warn' }));
    return new ParameterAnnouncer(redis, options, options.log);
  }

  /** Publishes `announcement` to the workers of `lane`; returns at once. */
  announce(lane: Lane, announcement: ParameterAnnouncement): void {
    if (this.closing) return;
    const channel = shardQueueKeys(this.options.prefix, laneQueueName(this.options.queueName, lane)).parameters;
    this.redis.publish(channel, encodeParameterAnnouncement(announcement)).catch((error: unknown) => {
      this.log(`job ${announcement.jobId}: announcing version ${announcement.version} failed: ${error instanceof Error ? error.message : String(error)}`, { jobId: announcement.jobId, level: 'warn' });
    });
  }

  /** Closes the connection; idempotent. */
  close(): Promise<void> {
    return (this.closing ??= this.redis.quit().then(
      () => undefined,
      () => this.redis.disconnect(),
    ));
  }
}
