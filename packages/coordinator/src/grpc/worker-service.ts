import type { grpc, HeartbeatRequest, HeartbeatResponse, RegisterWorkerRequest, RegisterWorkerResponse, WorkerServiceServer } from '@metatrain/contract';
import { checkWorkerIdentity } from '../auth/worker-identity';
import { POOL_NAME_PATTERN, POOL_NAME_RULE } from '@metatrain/core';
import type { WorkerTable } from '../workers/worker-table';
import { getParametersHandler } from './get-parameters';
import { InvalidArgumentError, toStatusError, type InternalErrorHandler } from './grpc-errors';
import type { ParameterSource } from './parameter-source';
import { reportEvalHandler } from './report-eval';
import { reportShardHandler } from './report-shard';
import type { ReportSink } from './report-sink';

const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function checkWorkerId(workerId: string): void {
  if (!WORKER_ID.test(workerId)) throw new InvalidArgumentError('worker_id', `expected 1-128 letters, digits, '.', '_', ':' or '-', got ${JSON.stringify(workerId.slice(0, 40))}`);
}

/** The pool a worker registers in: a pool name, or '' (a worker older than the field: the default pool). */
function checkPool(pool: string): void {
  if (pool !== '' && !POOL_NAME_PATTERN.test(pool)) throw new InvalidArgumentError('pool', `${POOL_NAME_RULE}, got ${JSON.stringify(pool.slice(0, 40))}`);
}

/** What WorkerService works with. */
export interface WorkerServiceDeps {
  workers: WorkerTable;
  parameters: ParameterSource;
  reports: ReportSink;
  /** GetData: the data files jobs name (get-data.ts). */
  getData: WorkerServiceServer['getData'];
  /** Largest shard sum ReportShard accepts, declared or streamed. @default 1 GiB */
  maxReportBytes?: number;
  onInternalError?: InternalErrorHandler;
}

/** WorkerService (docs/ARCHITECTURE.md §8): registration, heartbeats, parameters out, shard and evaluation reports in. */
export function workerServiceHandlers(deps: WorkerServiceDeps): WorkerServiceServer {
  const { workers } = deps;
  const registerWorker: grpc.handleUnaryCall<RegisterWorkerRequest, RegisterWorkerResponse> = (call, callback) => {
    try {
      checkWorkerId(call.request.workerId);
      checkWorkerIdentity(call, 'worker_id', call.request.workerId);
      checkPool(call.request.pool);
      const standing = workers.register(call.request);
      callback(null, { leaseMs: workers.leaseMs, heartbeatIntervalMs: workers.heartbeatIntervalMs, quarantined: standing.quarantined, quarantineReason: standing.reason });
    } catch (error) {
      callback(toStatusError(error, deps.onInternalError));
    }
  };
  const heartbeat: grpc.handleUnaryCall<HeartbeatRequest, HeartbeatResponse> = (call, callback) => {
    // The worker's own shards_done is not used: the table counts accepted reports itself.
    const { workerId, currentShard } = call.request;
    try {
      checkWorkerIdentity(call, 'worker_id', workerId);
      const standing = workers.heartbeat(workerId, currentShard);
      callback(null, { registered: standing !== undefined, leaseMs: workers.leaseMs, quarantined: standing?.quarantined ?? false, quarantineReason: standing?.reason ?? '' });
    } catch (error) {
      callback(toStatusError(error, deps.onInternalError));
    }
  };
  const options = deps.onInternalError ? { onInternalError: deps.onInternalError } : {};
  return {
    registerWorker,
    heartbeat,
    getParameters: getParametersHandler(deps.parameters, options),
    reportShard: reportShardHandler(deps.reports, { ...options, ...(deps.maxReportBytes === undefined ? {} : { maxPayloadBytes: deps.maxReportBytes }) }),
    reportEval: reportEvalHandler(deps.reports, options),
    getData: deps.getData,
  };
}
