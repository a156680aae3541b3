import { type RegisterWorkerRequest, type WorkerInfo, WorkerState } from '@metatrain/contract';
import { DEFAULT_POOL } from '@metatrain/core';
import type { AcceptOutcome } from '../rounds/shard-report';

/** Timing of worker leases, and the quarantine policy. */
export interface WorkerTableOptions {
  /** How long a worker counts as alive after its last heartbeat. @default 15000 */
  leaseMs?: number;
  /** How often workers should heartbeat (told to them at registration). @default 5000 */
  heartbeatIntervalMs?: number;
  /** How long a lost worker stays listed. @default 600000 */
  forgetAfterMs?: number;
  /**
   * Refused reports in a row (an accepted one resets the count) after which a worker is
   * quarantined: its reports are refused and it is told to take no shards. 0 never
   * quarantines. @default 3
   */
  quarantineAfter?: number;
}

/** Whether a worker may report, and if not, why. */
export interface WorkerStanding {
  quarantined: boolean;
  /** Why it is quarantined; '' when it is not. */
  reason: string;
}

interface Entry {
  info: WorkerInfo;
  lastSeen: number;
  /** Refused reports since the last accepted one. */
  refusedInARow: number;
  /** Set once the worker is quarantined: why. */
  quarantine: string | undefined;
}

/**
 * The workers this coordinator knows (in memory: after a coordinator restart the workers'
 * next heartbeat answers `registered: false` and they register again). Lives apart from
 * job state: a worker is a pair of hands, never needed for correctness.
 *
 * It also keeps the quarantine policy: a worker whose last `quarantineAfter` reports were all
 * refused for their content (non-finite values, wrong shapes, bad checksums, ...) is
 * quarantined for the life of this coordinator, surviving re-registration; a worker
 * restarted under a new id starts clean.
 */
export class WorkerTable {
  readonly leaseMs: number;
  readonly heartbeatIntervalMs: number;
  readonly quarantineAfter: number;
  private readonly forgetAfterMs: number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: WorkerTableOptions = {}, private readonly now: () => number = Date.now) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 600_000;
    this.quarantineAfter = options.quarantineAfter ?? 3;
  }

  /** Adds (or refreshes) a worker; a quarantined one stays quarantined. */
  register(request: RegisterWorkerRequest): WorkerStanding {
    const now = this.now();
    const previous = this.entries.get(request.workerId);
    const entry: Entry = {
      lastSeen: now,
      refusedInARow: previous?.refusedInARow ?? 0,
      quarantine: previous?.quarantine,
      info: {
        workerId: request.workerId,
        backend: request.backend,
        device: request.device,
        cores: request.cores,
        hostname: request.hostname,
        version: request.version,
        state: WorkerState.ACTIVE,
        currentShard: '',
        shardsDone: previous?.info.shardsDone ?? 0,
        registeredAtMs: now,
        lastHeartbeatMs: now,
        reportsRejected: previous?.info.reportsRejected ?? 0,
        // A worker older than the field sends 0: it computes one shard at a time.
        threads: Math.max(1, request.threads),
        // A worker older than the field sends '': it consumes the default pool's queues.
        pool: request.pool || DEFAULT_POOL,
      },
    };
    this.entries.set(request.workerId, entry);
    return standingOf(entry);
  }

  /** Records a heartbeat; undefined when the worker is unknown (it should register again). */
  heartbeat(workerId: string, currentShard: string): WorkerStanding | undefined {
    const entry = this.entries.get(workerId);
    if (!entry) return undefined;
    entry.lastSeen = this.now();
    entry.info.lastHeartbeatMs = entry.lastSeen;
    entry.info.currentShard = currentShard;
    return standingOf(entry);
  }

  /** Whether `workerId` may report (an unknown worker may: it registers on its next heartbeat). */
  standing(workerId: string): WorkerStanding {
    const entry = this.entries.get(workerId);
    return entry ? standingOf(entry) : { quarantined: false, reason: '' };
  }

  /**
   * Counts the answer to a report of the worker: `shardsDone` counts accepted shards only (the
   * coordinator's own count, so each shard of each round is counted once, for one worker),
   * `reportsRejected` the refused ones. Returns the quarantine reason when this report put the
   * worker in quarantine.
   */
  reportAnswered(workerId: string, outcome: AcceptOutcome): string | undefined {
    const entry = this.entries.get(workerId);
    if (!entry) return undefined;
    if (outcome === 'ACCEPTED') {
      entry.info.shardsDone += 1;
      entry.refusedInARow = 0;
    }
    if (typeof outcome !== 'object') return undefined;
    entry.info.reportsRejected += 1;
    if (outcome.notOpenYet || entry.quarantine !== undefined) return undefined;
    entry.refusedInARow += 1;
    if (this.quarantineAfter === 0 || entry.refusedInARow < this.quarantineAfter) return undefined;
    entry.quarantine = `${entry.refusedInARow} reports in a row were refused; the last: ${outcome.rejected}`;
    return entry.quarantine;
  }

  /** Every known worker with its state as of now, ids sorted. */
  list(): WorkerInfo[] {
    const now = this.now();
    const workers: WorkerInfo[] = [];
    for (const [id, entry] of this.entries) {
      if (now - entry.lastSeen > this.forgetAfterMs) {
        this.entries.delete(id);
        continue;
      }
      const lost = now - entry.lastSeen > this.leaseMs;
      // Quarantine is the news an operator must see, even for a worker that went away.
      const state = entry.quarantine !== undefined ? WorkerState.QUARANTINED : lost ? WorkerState.LOST : WorkerState.ACTIVE;
      workers.push({ ...entry.info, state, currentShard: lost ? '' : entry.info.currentShard });
    }
    return workers.sort((a, b) => a.workerId.localeCompare(b.workerId));
  }

  /**
   * The compute slots of the live workers, what `shardSize: auto` sizes shards for: the
   * compute threads of the active workers (each thread computes one shard at a time) — of
   * those of `lane` when given (a job's shards go to them only), else of all.
   */
  computeSlots(lane?: { pool: string; backend?: string }): number {
    return this.active(lane).reduce((slots, w) => slots + w.threads, 0);
  }

  /** The distinct backends of the active workers of `pool`, sorted. */
  backendsOf(pool: string): string[] {
    return [...new Set(this.active({ pool }).map((w) => w.backend))].sort();
  }

  /** The active workers, those of `lane` (its pool, and its backend when given) when given. */
  private active(lane?: { pool: string; backend?: string }): WorkerInfo[] {
    return this.list().filter((w) => w.state === WorkerState.ACTIVE && (!lane || (w.pool === lane.pool && (lane.backend === undefined || w.backend === lane.backend))));
  }

  /** Workers by state, for the metrics. */
  counts(): { active: number; lost: number; quarantined: number } {
    const workers = this.list();
    const count = (state: WorkerState) => workers.filter((w) => w.state === state).length;
    return { active: count(WorkerState.ACTIVE), lost: count(WorkerState.LOST), quarantined: count(WorkerState.QUARANTINED) };
  }
}

function standingOf(entry: Entry): WorkerStanding {
  return { quarantined: entry.quarantine !== undefined, reason: entry.quarantine ?? '' };
}
