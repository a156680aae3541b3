import type { ReportEvalRequest, ReportHeader } from '@metatrain/contract';
import type { ParamSet } from '@metatrain/core';
import type { AcceptOutcome } from '../../rounds/shard-report';
import type { MemoryShardQueue, QueuedShard } from '../../testing/memory-shard-queue';
import type { JobManager } from '../job-manager';

// Workers as the coordinator sees them: they take shards from the queue, fetch θ and report.
// Their losses are simple functions of (version, shard, task), so a test knows every metric.

const range = (start: number, end: number) => Array.from({ length: end - start }, (_, k) => start + k);

/**
 * A worker's report of a train shard. Its sum is a formula of (version, shard, θ) instead of a
 * gradient: deterministic like real shards, and bound to the parameters it was computed from.
 * Shard 0 runs on `cpu` and shard 1 on `wasm`; task losses are 2 + version (before) and
 * version + shard/2 (after).
 */
export function trainReport({ jobId, version, shard }: QueuedShard, params: ParamSet): [ReportHeader, ParamSet] {
  const taskMetrics = range(shard.start, shard.end).map((taskIndex) => ({ taskIndex, preLoss: 2 + version, postLoss: version + shard.index / 2 }));
  const header = { jobId, version, shardIndex: shard.index, workerId: `worker-${shard.index}`, backend: shard.index === 0 ? 'cpu' : 'wasm', taskMetrics, computeMs: 1 };
  const sum = params.map((p) => ({ name: p.name, shape: [...p.shape], values: p.values.map((x, k) => Math.sin(x * (shard.index + 1) + version + k)) }));
  return [header, sum];
}

/** A worker's report of an evaluation shard: task losses 10 + version (before) and version + task/4 (after). */
export function evalReport({ jobId, version, shard }: QueuedShard): ReportEvalRequest {
  const taskMetrics = range(shard.start, shard.end).map((taskIndex) => ({ taskIndex, preLoss: 10 + version, postLoss: version + taskIndex / 4 }));
  return { jobId, version, shardIndex: shard.index, workerId: `worker-${shard.index}`, backend: 'cpu', taskMetrics, computeMs: 1 };
}

/** Computes a taken shard as a worker would: fetches θ_version, then reports. */
export async function computeAndReport(manager: JobManager, shard: QueuedShard): Promise<AcceptOutcome> {
  if (shard.kind === 'eval') return manager.reportEval(evalReport(shard));
  const params = await manager.getParameters(shard.jobId, shard.version);
  if (!params) throw new Error(`${shard.id}: the coordinator does not hold version ${shard.version}`);
  return manager.reportShard(...trainReport(shard, params));
}

/** Lets the coordinator run until it waits for workers: its registry, queue and storage answer in microtasks. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Takes and reports waiting shards, as workers would, until `reached()`. Returns the answers
 * other than ACCEPTED; throws when nothing is waiting before then, rather than hang.
 */
export async function work(c: { manager: JobManager; queue: MemoryShardQueue }, reached: () => boolean): Promise<AcceptOutcome[]> {
  const others: AcceptOutcome[] = [];
  for (;;) {
    await settle();
    if (reached()) return others;
    const shard = c.queue.take();
    if (!shard) throw new Error('no shard is waiting, and the job has not got there');
    const outcome = await computeAndReport(c.manager, shard);
    if (outcome !== 'ACCEPTED') others.push(outcome);
  }
}
