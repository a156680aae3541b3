import type { Log } from '@metatrain/core';
import { retryUntilConnected } from '../retry-until-connected';
import type { RedisJobRegistry } from './redis-job-registry';
import type { LeaseLossReason, RegistryLease } from './lease';

/** What a {@link LeaseKeeper} needs. */
export interface LeaseKeeperOptions {
  registry: RedisJobRegistry;
  /** This coordinator's owner id: unique per process. */
  owner: string;
  ttlMs: number;
  log: Log;
  /** The lease is lost (it expired while Redis was unreachable, or another coordinator took it): stop acting as owner. */
  onLost: (reason: LeaseLossReason) => Promise<void>;
  /** The lease is held again after a loss. */
  onRetaken: () => Promise<void>;
}

/**
 * Holds the registry lease for the coordinator across Redis outages. It waits for the lease
 * at start (while another coordinator holds it, or Redis is down), renews it, and when it is
 * lost — a Redis outage longer than the TTL, or a standby that took over — has the jobs
 * stop (`onLost`), waits to take it again like a standby would, and has the jobs resume from
 * their checkpoints (`onRetaken`). So a coordinator outlives any Redis outage by itself,
 * and never acts on in-memory state from before a loss.
 */
export class LeaseKeeper {
  private readonly closed = new AbortController();
  private recovering: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: LeaseKeeperOptions,
    private lease: RegistryLease,
  ) {}

  /** Takes the lease, waiting (with a log line per attempt) as long as it takes. */
  static async create(options: LeaseKeeperOptions): Promise<LeaseKeeper> {
    const keeper = new LeaseKeeper(options, await take(options));
    keeper.watch();
    return keeper;
  }

  /** True while the lease is certainly this coordinator's (health and readiness). */
  get held(): boolean {
    return this.lease.held;
  }

  /** Stops taking the lease back; the registry's close() releases it. Idempotent. */
  async close(): Promise<void> {
    this.closed.abort();
    await this.recovering;
  }

  private watch(): void {
    const { lease } = this;
    // Listening first: keepAlive() finds a lease that took longer than its TTL to get already
    // expired, and aborts its signal at once.
    lease.signal.addEventListener(
      'abort',
      () => {
        const reason = lease.signal.reason as LeaseLossReason;
        if (reason === 'released' || this.closed.signal.aborted) return;
        this.recovering = this.recover(reason).catch((err: unknown) => {
          if (!this.closed.signal.aborted) this.options.log(`coordinator: taking the registry lease back failed: ${String(err)}`, { level: 'warn' });
        });
      },
      { once: true },
    );
    lease.keepAlive((err) => this.options.log(`coordinator: renewing the registry lease failed: ${String(err)}`, { level: 'warn' }));
  }

  private async recover(reason: LeaseLossReason): Promise<void> {
    const { log } = this.options;
    log(`coordinator: lost the registry lease (${reason}); every job stops until this coordinator holds it again`, { level: 'error' });
    await this.options.onLost(reason);
    this.lease = await take(this.options, this.closed.signal);
    log('coordinator: holds the registry lease again; resuming the jobs from their checkpoints');
    this.watch();
    await this.options.onRetaken();
  }
}

function take(options: LeaseKeeperOptions, signal?: AbortSignal): Promise<RegistryLease> {
  const { registry, owner, ttlMs, log } = options;
  return retryUntilConnected(
    'the registry lease',
    async () => {
      const taken = await registry.acquireLease(owner, ttlMs);
      if (!taken) throw new Error(`held by ${(await registry.leaseHolder()) ?? 'another coordinator'}`);
      // Asked for while Redis was down, the answer may come after the TTL: ask again.
      if (!taken.held) throw new Error('taken, but the answer came after the lease had expired');
      return taken;
    },
    log,
    signal,
  );
}
