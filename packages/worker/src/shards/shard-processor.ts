import type { BackendInfo, Log, ParamSet } from '@metatrain/core';
import { grpc, type ReportEvalRequest, type ReportEvalResponse, type ReportHeader, type ReportShardResponse, ReportStatus, type ShardMessage, taskMetricsToWire } from '@metatrain/contract';
import { LruMap } from '../cache/lru-map';
import type { ComputedShard, ShardTask } from '../compute/compute-thread';
import { ShardNotReadyError, ShardRejectedError, WorkerRefusedError } from '../errors';
import { describeRpcError, grpcCode, isGone } from '../grpc/rpc-errors';
import { untilAborted } from '../until-aborted';
import type { ShardEvent, ShardOutcome } from './shard-event';

const GRACE_OVER = 'shutdown grace period over';

/** The coordinator calls a shard needs (CoordinatorClient has them; parameters come through a ParameterSource). */
export interface ShardCoordinator {
  getJobSpec(jobId: string): Promise<string>;
  /** Reports a shard's block sums (one per block, in block order). */
  reportShard(header: ReportHeader, blockSums: readonly ParamSet[]): Promise<ReportShardResponse>;
  reportEval(request: ReportEvalRequest): Promise<ReportEvalResponse>;
}

/** Where shards are computed (ComputePool): several at once, each stopped by its own signal. */
export interface ShardCompute {
  readonly backend: BackendInfo;
  /**
   * Computes one shard from `params` (θ at `task.version`). When `signal` aborts (the shard's
   * grace period is over) this shard's computation stops and the promise rejects; others go on.
   */
  compute(task: ShardTask, params: ParamSet, signal: AbortSignal): Promise<ComputedShard>;
}

/** θ by (job, version), fetched once per version for all shards (ParameterSource). */
export interface ShardParameters {
  /** @throws `signal`'s abort as a WorkerClosedError saying `reason`, or what the fetch throws. */
  get(jobId: string, version: number, signal: AbortSignal, reason: string): Promise<ParamSet>;
}

export interface ShardProcessorOptions {
  coordinator: ShardCoordinator;
  compute: ShardCompute;
  parameters: ShardParameters;
  workerId: string;
  log: Log;
  onShard: (event: ShardEvent) => void;
  /** Told when the coordinator refuses this worker (PERMISSION_DENIED: quarantined). */
  onRefused?: (reason: string) => void;
  /**
   * Local copies of the data a job's spec (text) names, once per job before its first shard
   * (fetchJobData): the compute thread only reads what it is given.
   */
  jobData: (jobId: string, specText: string, signal: AbortSignal) => Promise<ReadonlyMap<string, string>>;
  /** Job specs kept (GetJob answers) with their data's local paths. @default 16 */
  specs?: number;
}

/** What a job's shards need besides their descriptors: the spec (GetJob) and its data's local paths. */
interface JobInputs {
  specText: string;
  files: ReadonlyMap<string, string>;
}

/** What became of a shard whose queue job completes. */
export interface ProcessedShard {
  outcome: Extract<ShardOutcome, 'accepted' | 'duplicate' | 'stale' | 'dropped'>;
  reason?: string;
}

/**
 * One shard from message to verdict (docs/ARCHITECTURE.md §5): the job's spec (GetJob, cached),
 * the parameters (ShardParameters: fetched once per version in the main thread, shared by
 * every compute thread), the block sums (computed in a compute thread, one per block of the
 * shard), the report (ReportShard; ReportEval for
 * an evaluation shard, which has per-task metrics only), and the coordinator's answer:
 *
 * - ACCEPTED, DUPLICATE, STALE: resolves; the queue job completes.
 * - REJECTED: throws ShardRejectedError; the queue job fails and BullMQ retries it.
 * - PERMISSION_DENIED (this worker is quarantined): throws WorkerRefusedError; the shard goes
 *   back to the queue untouched and `onRefused` is told.
 * - ABORTED from GetParameters (the shard's version is not published yet: it was enqueued
 *   while the round before runs): throws ShardNotReadyError; the shard goes back untouched.
 * - NOT_FOUND or FAILED_PRECONDITION from any call (the job is gone, no longer holds the
 *   version, or is not running): resolves as `dropped`, with one log line.
 * - anything else (UNAVAILABLE, DEADLINE_EXCEEDED, a compute failure): throws; BullMQ retries.
 */
export class ShardProcessor {
  private readonly specs: LruMap<string, JobInputs>;
  private done = 0;

  constructor(private readonly options: ShardProcessorOptions) {
    this.specs = new LruMap(options.specs ?? 16);
  }

  /** Shards reported since the worker started (every report the coordinator answered). */
  get shardsDone(): number {
    return this.done;
  }

  async process(queueJobId: string, message: ShardMessage, signal: AbortSignal): Promise<ProcessedShard> {
    const started = performance.now();
    let computeMs: number | undefined;
    const waited: { parametersMs?: number } = {};
    const emit = (outcome: ShardOutcome, reason?: string): void =>
      this.options.onShard({
        queueJobId,
        jobId: message.jobId,
        version: message.version,
        firstBlock: message.firstBlock,
        blockCount: message.blockCount,
        outcome,
        ...(reason !== undefined ? { reason } : {}),
        ...waited,
        ...(computeMs !== undefined ? { computeMs } : {}),
        totalMs: performance.now() - started,
      });
    // gRPC calls are raced against the signal; the computation is stopped by it (ShardCompute).
    try {
      const computed = await this.compute(message, signal, waited);
      computeMs = computed.computeMs;
      const response = await untilAborted(this.report(message, computed), signal, GRACE_OVER);
      this.done++;
      const result = verdict(response);
      emit(result.outcome, result.reason);
      return result;
    } catch (error) {
      if (signal.aborted) {
        emit('handed-back', 'the worker shut down before the shard was reported');
        throw error;
      }
      if (error instanceof ShardNotReadyError) {
        emit('not-ready', error.message);
        throw error;
      }
      if (grpcCode(error) === grpc.status.PERMISSION_DENIED) {
        const reason = describeRpcError(error);
        this.options.onRefused?.(reason);
        emit('handed-back', reason);
        throw new WorkerRefusedError(reason);
      }
      if (isGone(error)) {
        const reason = describeRpcError(error);
        if (grpcCode(error) === grpc.status.NOT_FOUND) this.specs.delete(message.jobId);
        this.options.log(`worker: dropped shard ${queueJobId}: ${reason}`, { jobId: message.jobId, level: 'warn' });
        emit('dropped', reason);
        return { outcome: 'dropped', reason };
      }
      const reason = error instanceof ShardRejectedError ? error.message : describeRpcError(error);
      this.options.log(`worker: shard ${queueJobId} failed (it will be retried): ${reason}`, { jobId: message.jobId, level: 'warn' });
      emit('failed', reason);
      throw error;
    }
  }

  /** Computes the shard; records in `waited` how long θ took. */
  private async compute(message: ShardMessage, signal: AbortSignal, waited: { parametersMs?: number }): Promise<ComputedShard> {
    const { coordinator, compute } = this.options;
    const { jobId, version } = message;
    let inputs = this.specs.get(jobId);
    if (inputs === undefined) {
      const specText = await untilAborted(coordinator.getJobSpec(jobId), signal, GRACE_OVER);
      // A download may take a while: the shutdown grace period aborts it like a gRPC call. A
      // failure fails the shard (BullMQ retries it) and is not kept: the next shard tries again.
      const files = await untilAborted(this.options.jobData(jobId, specText, signal), signal, GRACE_OVER);
      inputs = { specText, files };
      this.specs.set(jobId, inputs);
    }
    const task: ShardTask = { shardKind: message.kind, jobId, specText: inputs.specText, files: inputs.files, version, blocks: { first: message.firstBlock, count: message.blockCount } };
    const asked = performance.now();
    const params = await this.options.parameters.get(jobId, version, signal, GRACE_OVER);
    waited.parametersMs = performance.now() - asked;
    return compute.compute(task, params, signal);
  }

  private report(message: ShardMessage, computed: ComputedShard): Promise<ReportShardResponse | ReportEvalResponse> {
    const { coordinator, workerId, compute } = this.options;
    const common = { jobId: message.jobId, version: message.version, firstBlock: message.firstBlock, blockCount: message.blockCount, workerId, backend: compute.backend.name };
    const taskMetrics = computed.metrics.map(taskMetricsToWire);
    if (message.kind === 'eval') return coordinator.reportEval({ ...common, taskMetrics, computeMs: computed.computeMs });
    const header: ReportHeader = { ...common, taskMetrics, computeMs: computed.computeMs };
    return coordinator.reportShard(header, computed.sums);
  }
}

/** The coordinator's answer as the queue job's fate. @throws ShardRejectedError for REJECTED (and anything unknown). */
export function verdict(response: ReportShardResponse): ProcessedShard {
  switch (response.status) {
    case ReportStatus.ACCEPTED:
      return { outcome: 'accepted' };
    case ReportStatus.DUPLICATE:
      return { outcome: 'duplicate', reason: response.reason };
    case ReportStatus.STALE:
      return { outcome: 'stale', reason: response.reason };
    case ReportStatus.REJECTED:
      throw new ShardRejectedError(response.reason || 'no reason given');
    default:
      throw new ShardRejectedError(`unknown report status ${response.status}${response.reason ? ` (${response.reason})` : ''}`);
  }
}
