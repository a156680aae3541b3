import type { WorkerStanding } from './registration';

/** What the gate stops and starts: the shard consumer. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * The worker's side of quarantine (docs/RELIABILITY.md): while the coordinator refuses this
 * worker — a registration or heartbeat answer says so, or a report is answered
 * PERMISSION_DENIED — the worker takes no shards; once an answer says it is not quarantined
 * (the coordinator restarted, say), it takes shards again. One log line each way.
 */
export class QuarantineGate {
  private target: Pausable | undefined;
  private reason: string | undefined;
  /** Whether the last registration or heartbeat answer said quarantined. */
  private told = false;

  constructor(private readonly log: (line: string) => void) {}

  /** True while the worker takes no shards. */
  get quarantined(): boolean {
    return this.reason !== undefined;
  }

  /** Why the coordinator quarantines this worker; undefined when it does not. */
  get quarantineReason(): string | undefined {
    return this.reason;
  }

  /** Starts controlling `target`, pausing it at once if the worker is quarantined already. */
  attach(target: Pausable): void {
    this.target = target;
    if (this.quarantined) target.pause();
  }

  /**
   * Applies a registration or heartbeat answer. Only an answer that said quarantined can be
   * undone by one that does not: a refusal that heartbeats never confirmed (PERMISSION_DENIED
   * for another reason) keeps the worker out.
   */
  update(standing: WorkerStanding): void {
    if (standing.quarantined) {
      this.told = true;
      this.enter(standing.reason);
    } else if (this.told) {
      this.told = false;
      this.leave();
    }
  }

  /** The coordinator refused this worker: stop taking shards. */
  enter(reason: string): void {
    if (this.quarantined) return;
    this.reason = reason || 'no reason given';
    this.log(`worker: quarantined by the coordinator (${this.reason}); taking no shards until it lifts the quarantine`);
    this.target?.pause();
  }

  private leave(): void {
    if (!this.quarantined) return;
    this.reason = undefined;
    this.log('worker: the coordinator no longer quarantines this worker; taking shards again');
    this.target?.resume();
  }
}
