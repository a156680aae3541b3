import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';

// Compare-and-set scripts: only the owner may extend or delete its lease. Without the
// comparison, a coordinator whose lease expired would extend (or delete) its successor's.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** A registry write refused because another coordinator holds the lease. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    /** This registry's owner id ('' when it holds no lease). */
    readonly ownerId: string,
    readonly holder: string,
  ) {
    super(`job registry: held by ${holder}, not ${ownerId || 'this coordinator (no lease)'}; write refused`);
  }
}

/** Why a lease is no longer held. */
export type LeaseLossReason = 'released' | 'taken' | 'expired';

/**
 * Exclusive ownership of the job registry by one coordinator, for `ttlMs` at a time unless
 * renewed. Holding it is a promise that expires: {@link held} turns false on its own once
 * `ttlMs` has passed since the last successful renewal was *sent*, whether or not Redis
 * could be reached, so a coordinator cut off from Redis stops acting as owner before anyone
 * else can become one. {@link signal} aborts when the lease is known to be lost.
 */
export class RegistryLease {
  private readonly controller = new AbortController();
  private validUntil: number;
  private timer: NodeJS.Timeout | undefined;
  private lossReason: LeaseLossReason | undefined;

  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    /** Who holds the lease: unique per coordinator process. */
    readonly ownerId: string,
    readonly ttlMs: number,
    sentAt: number,
  ) {
    this.validUntil = sentAt + ttlMs;
  }

  /**
   * Takes the lease at `key` (SET NX PX) if nobody holds it, or extends it if `ownerId`
   * already does (a coordinator restarted under the same id). Undefined when another owner
   * holds it.
   */
  static async acquire(redis: Redis, key: string, ownerId: string, ttlMs: number): Promise<RegistryLease | undefined> {
    if (!ownerId) throw new RangeError('lease owner id must not be empty');
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError(`lease ttl must be a positive integer of ms, got ${ttlMs}`);
    const sentAt = performance.now();
    const taken = (await redis.set(key, ownerId, 'PX', ttlMs, 'NX')) === 'OK' || Number(await redis.eval(RENEW, 1, key, ownerId, ttlMs)) === 1;
    return taken ? new RegistryLease(redis, key, ownerId, ttlMs, sentAt) : undefined;
  }

  /** Aborted once the lease is known to be lost; `signal.reason` is the {@link LeaseLossReason}. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True while the lease is certainly ours: not lost, and within `ttlMs` of the last renewal. */
  get held(): boolean {
    if (this.lossReason === undefined && performance.now() >= this.validUntil) this.lose('expired');
    return this.lossReason === undefined;
  }

  /**
   * Extends the lease by `ttlMs` if it is still ours. False (and the lease lost) when it
   * expired or another owner holds it; a Redis error is thrown, and the lease stays held
   * until its time runs out.
   */
  async renew(): Promise<boolean> {
    if (!this.held) return false;
    const sentAt = performance.now();
    const extended = Number(await this.redis.eval(RENEW, 1, this.key, this.ownerId, this.ttlMs)) === 1;
    if (!extended) {
      this.lose('taken');
      return false;
    }
    if (this.lossReason === undefined) this.validUntil = sentAt + this.ttlMs;
    return this.lossReason === undefined;
  }

  /**
   * Renews every `intervalMs` (default a third of the TTL, so two renewals may fail before
   * the lease expires) until the lease is lost or released. Failures go to `onError`. The
   * ticks do not wait for a renewal to answer: while Redis is unreachable a renewal may wait
   * for the reconnection, and the lease must still be seen to expire on time.
   */
  keepAlive(onError: (error: unknown) => void, intervalMs = Math.max(1, Math.floor(this.ttlMs / 3))): void {
    if (this.timer || !this.held) return;
    let renewing = false;
    const tick = () => {
      this.timer = undefined;
      if (!this.held) return; // expired: lose() has told everyone
      if (!renewing) {
        renewing = true;
        this.renew().then(
          () => (renewing = false),
          (err: unknown) => {
            renewing = false;
            onError(err);
          },
        );
      }
      this.schedule(tick, intervalMs);
    };
    this.schedule(tick, intervalMs);
  }

  /** Gives the lease up (if still ours) so a standby can take over at once; idempotent. */
  async release(): Promise<void> {
    if (this.lossReason !== undefined) return;
    this.lose('released');
    await this.redis.eval(RELEASE, 1, this.key, this.ownerId);
  }

  private schedule(tick: () => void, ms: number): void {
    if (this.lossReason !== undefined) return;
    // Unref'd: a lease must not keep a process alive that has nothing else to do.
    this.timer = setTimeout(tick, ms).unref();
  }

  private lose(reason: LeaseLossReason): void {
    if (this.lossReason !== undefined) return;
    this.lossReason = reason;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.controller.abort(reason);
  }
}
