import { type Job, UnrecoverableError, WaitingError, Worker as BullWorker } from 'bullmq';
import { Redis } from 'ioredis';
import { parseShardMessage, type ShardMessage } from '@metatrain/contract';
import { ShardNotReadyError, WorkerClosedError, WorkerRefusedError } from '../errors';
import { untilAborted } from '../until-aborted';
import { errorReporter, redisAddress } from './redis-errors';

/** Options of {@link ShardConsumer.create}. */
export interface ShardConsumerOptions {
  redisUrl: string;
  prefix: string;
  queueName: string;
  log: (line: string) => void;
  /** Stops waiting for Redis: create() then throws WorkerClosedError. */
  signal?: AbortSignal | undefined;
  /**
   * BullMQ's lock on the shard in hand, renewed every half of it while the worker lives; a
   * killed worker's shard is recovered once it expires. @default 30000
   */
  lockDurationMs?: number;
  /** How often this worker looks for shards whose lock expired (stalled) to recover them. @default 30000 */
  stalledIntervalMs?: number;
  /** Shards held at once: the worker's compute threads. @default 1 */
  concurrency?: number;
}

/**
 * Works on one shard. Resolving completes the queue job (with the value as its result),
 * throwing fails it (BullMQ retries it within the job's attempts). `signal` aborts when the
 * consumer closes and the shard's grace period is over: stop, and the shard is handed back.
 */
export type ShardHandler = (queueJobId: string, message: ShardMessage, signal: AbortSignal) => Promise<unknown>;

/** Called for a shard that was handed back at shutdown, and for a message that does not parse. */
export interface ShardConsumerEvents {
  onHandedBack?: (queueJobId: string, message: ShardMessage) => void;
  onBadMessage?: (queueJobId: string, reason: string) => void;
}

/**
 * The consumer side of the shard queue (docs/ARCHITECTURE.md §5): a BullMQ Worker on the
 * coordinator's queue that holds as many shards at once as the worker has compute threads.
 * `create()` connects; `start()` starts taking shards.
 *
 * A job is completed only when the handler resolves, which the handler does after the
 * coordinator answered the report. A message that is not a shard message fails at once,
 * without retries (it will never parse). On close, no new shard is taken; every shard in hand
 * may finish within the grace period, after which each one left is aborted and moved back to the queue
 * (`job.moveToWait` + `WaitingError`, which keeps its priority and does not count as a
 * failed attempt), so another worker takes it at once rather than after the lock expires.
 * A shard whose handler throws WorkerRefusedError (the coordinator quarantines this worker) or
 * ShardNotReadyError (its parameters are not published yet) goes back the same way.
 */
export class ShardConsumer {
  /** The shards in hand, by BullMQ id, in the order they were taken. */
  private readonly active = new Map<string, AbortController>();
  private closing: Promise<void> | undefined;
  private running: Promise<void> = Promise.resolve();
  private started = false;
  private paused = false;

  private constructor(
    private readonly bull: BullWorker,
    private readonly redis: Redis,
    private readonly log: (line: string) => void,
  ) {}

  /** Connects to Redis (waiting, with log lines, while it is unreachable); call start() to consume. */
  static async create(options: ShardConsumerOptions, handler: ShardHandler, events: ShardConsumerEvents = {}): Promise<ShardConsumer> {
    const { log, signal } = options;
    // BullMQ workers block on Redis and must never give up a command: maxRetriesPerRequest null.
    // Connecting at once (not lazily): ioredis then retries an unreachable Redis for ever, and
    // this waits for 'ready' instead of failing on the first refused connection.
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    const reportError = errorReporter(log, redisAddress(options.redisUrl));
    redis.on('error', reportError);
    redis.on('ready', () => reportError.reset());
    // The BullMQ worker is made only once Redis answers: one stopped while its connections are
    // still connecting fails them after its close() removed their error listeners, which
    // surfaces as unhandled rejections.
    try {
      const ready = redis.status === 'ready' ? Promise.resolve() : new Promise((resolve) => redis.once('ready', resolve));
      await untilAborted(ready, signal, 'stopped while waiting for Redis');
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    // The processor needs the consumer, which needs the BullMQ worker: tie the knot here.
    const ref: { consumer?: ShardConsumer } = {};
    const processor = async (job: Job, token?: string): Promise<unknown> => {
      if (!ref.consumer) throw new Error('shard consumer is not ready');
      return ref.consumer.process(job, token, handler, events);
    };
    const bull = new BullWorker(options.queueName, processor, {
      connection: redis,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 1,
      autorun: false,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
    });
    bull.on('error', reportError);
    const cleanup = async (): Promise<void> => {
      await bull.close(true).catch(() => undefined);
      redis.disconnect();
    };
    try {
      await untilAborted(bull.waitUntilReady(), signal, 'stopped while waiting for Redis');
    } catch (error) {
      await cleanup();
      throw error;
    }
    const consumer = new ShardConsumer(bull, redis, log);
    ref.consumer = consumer;
    return consumer;
  }

  /** Starts taking shards; idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.running = this.bull.run().catch((error: unknown) => this.log(`worker: the shard queue stopped: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Stops taking new shards; those in hand go on. */
  pause(): void {
    this.paused = true;
    this.bull.pause(true).catch((error: unknown) => this.log(`worker: pausing the shard queue failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Takes shards again after {@link pause}. */
  resume(): void {
    this.paused = false;
    if (this.started && !this.closing) this.bull.resume();
  }

  /** The BullMQ ids of the shards in hand, in the order they were taken; empty when idle. */
  get currentShards(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Stops taking shards, lets those in hand finish for up to `graceMs`, then aborts each one
   * left (it goes back to the queue) and closes the connections. Idempotent; later calls
   * return the first call's promise.
   */
  close(graceMs: number): Promise<void> {
    return (this.closing ??= (async () => {
      const closed = this.bull.close();
      const timer = setTimeout(() => {
        for (const controller of this.active.values()) controller.abort(new WorkerClosedError('shutdown grace period over'));
      }, graceMs);
      try {
        await closed;
      } finally {
        clearTimeout(timer);
        await this.running;
        await this.redis.quit().catch(() => this.redis.disconnect());
      }
    })());
  }

  private async process(job: Job, token: string | undefined, handler: ShardHandler, events: ShardConsumerEvents): Promise<unknown> {
    const queueJobId = job.id ?? '';
    let message: ShardMessage;
    try {
      message = parseShardMessage(job.data);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      events.onBadMessage?.(queueJobId, reason);
      throw new UnrecoverableError(reason);
    }
    if (this.paused) {
      // Fetched by a wait for work that began before the pause: give it straight back.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const controller = new AbortController();
    this.active.set(queueJobId, controller);
    try {
      return await handler(queueJobId, message, controller.signal);
    } catch (error) {
      const handBack = controller.signal.aborted || error instanceof WorkerRefusedError || error instanceof ShardNotReadyError;
      if (!handBack) throw error;
      // Shutting down, refused or early: the shard goes back to the queue, untouched.
      await job.moveToWait(token);
      if (!(error instanceof ShardNotReadyError)) events.onHandedBack?.(queueJobId, message);
      throw new WaitingError();
    } finally {
      this.active.delete(queueJobId);
    }
  }
}
