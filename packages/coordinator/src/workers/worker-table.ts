import { type RegisterWorkerRequest, type WorkerInfo, WorkerState } from '@metatrain/proto';
import type { ShardReportStatus } from '../metrics/coordinator-metrics';

/** Timing of worker leases. */
export interface WorkerTableOptions {
  /** How long a worker counts as alive after its last heartbeat. @default 15000 */
  leaseMs?: number;
  /** How often workers should heartbeat (told to them at registration). @default 5000 */
  heartbeatIntervalMs?: number;
  /** How long a lost worker stays listed. @default 600000 */
  forgetAfterMs?: number;
}

interface Entry {
  info: WorkerInfo;
  lastSeen: number;
}

/**
 * The workers this coordinator knows (in memory: after a coordinator restart the workers'
 * next heartbeat answers `registered: false` and they register again). Lives apart from
 * job state: a worker is a pair of hands, never needed for correctness.
 */
export class WorkerTable {
  readonly leaseMs: number;
  readonly heartbeatIntervalMs: number;
  private readonly forgetAfterMs: number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: WorkerTableOptions = {}, private readonly now: () => number = Date.now) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 600_000;
  }

  /** Adds (or refreshes) a worker. */
  register(request: RegisterWorkerRequest): void {
    const now = this.now();
    const previous = this.entries.get(request.workerId)?.info;
    this.entries.set(request.workerId, {
      lastSeen: now,
      info: {
        workerId: request.workerId,
        backend: request.backend,
        device: request.device,
        cores: request.cores,
        hostname: request.hostname,
        version: request.version,
        state: WorkerState.ACTIVE,
        currentShard: '',
        shardsDone: previous?.shardsDone ?? 0,
        registeredAtMs: now,
        lastHeartbeatMs: now,
        reportsRejected: previous?.reportsRejected ?? 0,
      },
    });
  }

  /** Records a heartbeat; false when the worker is unknown (it should register again). */
  heartbeat(workerId: string, currentShard: string): boolean {
    const entry = this.entries.get(workerId);
    if (!entry) return false;
    entry.lastSeen = this.now();
    entry.info.lastHeartbeatMs = entry.lastSeen;
    entry.info.currentShard = currentShard;
    return true;
  }

  /**
   * Counts a report of the worker: `shardsDone` counts accepted shards only (the
   * coordinator's own count, so each shard of each round is counted once, for one worker),
   * `reportsRejected` the refused ones.
   */
  reportAnswered(workerId: string, outcome: ShardReportStatus): void {
    const entry = this.entries.get(workerId);
    if (!entry) return;
    if (outcome === 'accepted') entry.info.shardsDone += 1;
    if (outcome === 'rejected') entry.info.reportsRejected += 1;
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
      workers.push({ ...entry.info, state: lost ? WorkerState.LOST : entry.info.state, currentShard: lost ? '' : entry.info.currentShard });
    }
    return workers.sort((a, b) => a.workerId.localeCompare(b.workerId));
  }

  /** Workers by state, for the metrics. */
  counts(): { active: number; lost: number; quarantined: number } {
    const workers = this.list();
    const count = (state: WorkerState) => workers.filter((w) => w.state === state).length;
    return { active: count(WorkerState.ACTIVE), lost: count(WorkerState.LOST), quarantined: count(WorkerState.QUARANTINED) };
  }
}
