import { type WorkerInfo, WorkerState } from '@metatrain/contract';
import { age } from './job-format';
import { renderTable } from './table';

export function workerStateName(state: WorkerState): string {
  return state > WorkerState.UNSPECIFIED && state <= WorkerState.QUARANTINED ? WorkerState[state] : 'UNKNOWN';
}

/** `metatrain workers`: one row per worker. */
export function formatWorkerTable(workers: WorkerInfo[], now: number): string {
  const rows = workers.map((w) => [
    w.workerId,
    w.pool || '-',
    w.backend || '-',
    w.device || '-',
    w.cores ? String(w.cores) : '-',
    w.threads ? String(w.threads) : '-',
    workerStateName(w.state),
    // One id per shard in hand (a worker with several threads holds several), comma-separated.
    w.currentShard ? w.currentShard.split(',').join(', ') : '-',
    String(w.shardsDone),
    age(w.lastHeartbeatMs, now),
  ]);
  return renderTable(['id', 'pool', 'backend', 'device', 'cores', 'threads', 'state', 'shards', 'shards done', 'heartbeat'], rows);
}

/** A worker for --json: state by name, times as ISO 8601. */
export function workerToJson(w: WorkerInfo): Record<string, unknown> {
  const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);
  return {
    id: w.workerId,
    pool: w.pool,
    backend: w.backend,
    device: w.device,
    cores: w.cores,
    threads: w.threads,
    hostname: w.hostname,
    version: w.version,
    state: workerStateName(w.state),
    currentShard: w.currentShard || null,
    shardsDone: w.shardsDone,
    reportsRejected: w.reportsRejected,
    registeredAt: iso(w.registeredAtMs),
    lastHeartbeat: iso(w.lastHeartbeatMs),
  };
}
