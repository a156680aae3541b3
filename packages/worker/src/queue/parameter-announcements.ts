import { Redis } from 'ioredis';
import { type ParameterAnnouncement, parseParameterAnnouncement, shardQueueKeys } from '@metatrain/contract';
import { errorReporter, redisAddress } from './redis-errors';

/** Options of {@link ParameterAnnouncements.create}. */
export interface ParameterAnnouncementsOptions {
  redisUrl: string;
  prefix: string;
  queueName: string;
  log: (line: string) => void;
  /** Told each announced version (ParameterSource.prefetch); must not throw. */
  onAnnounced: (announcement: ParameterAnnouncement) => void;
}

/**
 * The worker's subscription to the coordinator's parameter announcements (the queue's
 * `parameters` channel): a connection of its own, since a subscribed connection can do
 * nothing else. ioredis reconnects and subscribes again after an outage by itself; an
 * announcement missed meanwhile only costs a fetch on demand. Messages that are not
 * announcements are ignored. `close()` is idempotent.
 */
export class ParameterAnnouncements {
  private closing: Promise<void> | undefined;

  private constructor(private readonly redis: Redis) {}

  /** Subscribes; does not wait for Redis (the shard consumer does that). */
  static create(options: ParameterAnnouncementsOptions): ParameterAnnouncements {
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    const reportError = errorReporter(options.log, redisAddress(options.redisUrl));
    redis.on('error', reportError);
    redis.on('ready', () => reportError.reset());
    const channel = shardQueueKeys(options.prefix, options.queueName).parameters;
    redis.on('message', (from: string, text: string) => {
      if (from !== channel) return;
      const announcement = parseParameterAnnouncement(text);
      if (announcement) options.onAnnounced(announcement);
    });
    redis.subscribe(channel).catch((error: unknown) => options.log(`worker: subscribing to parameter announcements failed: ${error instanceof Error ? error.message : String(error)}`));
    return new ParameterAnnouncements(redis);
  }

  /** Unsubscribes and closes the connection; idempotent. */
  close(): Promise<void> {
    return (this.closing ??= this.redis.quit().then(
      () => undefined,
      () => this.redis.disconnect(),
    ));
  }
}
