import { type ReportEvalRequest, type ReportHeader, stackBlockSums } from '@metatrain/contract';
import type { ParamSet } from '@metatrain/core';
import { NotPublishedYetError } from '../../grpc/grpc-errors';
import type { AcceptOutcome } from '../../rounds/shard-report';
import type { MemoryShardQueue, QueuedShard } from '../../testing/memory-shard-queue';
import type { JobManager } from '../job-manager';

// Workers as the coordinator sees them: they take shards from the queue, fetch θ and report.
// Their losses are simple functions of (version, block, task), so a test knows every metric.

/** The `blockSize` of the specs these workers compute (test-coordinator.ts's `spec`). */
export const TEST_BLOCK_SIZE = 4;

const range = (start: number, end: number) => Array.from({ length: end - start }, (_, k) => start + k);
/** The blocks of a shard, and their tasks (blocks of TEST_BLOCK_SIZE tasks). */
const blocksOf = ({ blocks }: Pick<QueuedShard, 'blocks'>) => range(blocks.first, blocks.first + blocks.count);
const tasksOf = (block: number) => range(block * TEST_BLOCK_SIZE, (block + 1) * TEST_BLOCK_SIZE);

/**
 * A worker's report of a train shard. Each block's sum is a formula of (version, block, θ)
 * instead of a gradient: deterministic like real blocks, and bound to the parameters it was
 * computed from. Every shard runs on `cpu` (a job never mixes backends); task losses are
 * 2 + version (before) and version + block/2 (after).
 */
export function trainReport(shard: Pick<QueuedShard, 'jobId' | 'version' | 'blocks'>, params: ParamSet): [ReportHeader, ParamSet] {
  const { jobId, version, blocks } = shard;
  const taskMetrics = blocksOf(shard).flatMap((block) => tasksOf(block).map((taskIndex) => ({ taskIndex, preLoss: 2 + version, postLoss: version + block / 2 })));
  const header = { jobId, version, firstBlock: blocks.first, blockCount: blocks.count, workerId: `worker-${blocks.first}`, backend: 'cpu', taskMetrics, computeMs: 1 };
  const sums = blocksOf(shard).map((block) => params.map((p) => ({ name: p.name, shape: [...p.shape], values: p.values.map((x, k) => Math.sin(x * (block + 1) + version + k)) })));
  return [header, stackBlockSums(sums)];
}

/** A worker's report of an evaluation shard: task losses 10 + version (before) and version + task/4 (after). */
export function evalReport(shard: Pick<QueuedShard, 'jobId' | 'version' | 'blocks'>): ReportEvalRequest {
  const { jobId, version, blocks } = shard;
  const taskMetrics = blocksOf(shard).flatMap(tasksOf).map((taskIndex) => ({ taskIndex, preLoss: 10 + version, postLoss: version + taskIndex / 4 }));
  return { jobId, version, firstBlock: blocks.first, blockCount: blocks.count, workerId: `worker-${blocks.first}`, backend: 'cpu', taskMetrics, computeMs: 1 };
}

/**
 * Computes a taken shard as a worker would: fetches θ_version, then reports.
 * @throws NotPublishedYetError for a shard taken before its version is published
 */
export async function computeAndReport(manager: JobManager, shard: QueuedShard): Promise<AcceptOutcome> {
  const params = await manager.getParameters(shard.jobId, shard.version);
  if (!params) throw new Error(`${shard.id}: the coordinator does not hold version ${shard.version}`);
  if (shard.kind === 'eval') return manager.reportEval(evalReport(shard));
  return manager.reportShard(...trainReport(shard, params));
}

/** Lets the coordinator run until it waits for workers: its registry, queue and storage answer in microtasks. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Takes and reports waiting shards, as workers would, until `reached()`; a shard whose
 * version is not published yet goes to the back of the queue. Returns the answers other than
 * ACCEPTED; throws when nothing is waiting before then, rather than hang.
 */
export async function work(c: { manager: JobManager; queue: MemoryShardQueue }, reached: () => boolean): Promise<AcceptOutcome[]> {
  const others: AcceptOutcome[] = [];
  for (;;) {
    await settle();
    if (reached()) return others;
    const shard = c.queue.take();
    if (!shard) throw new Error('no shard is waiting, and the job has not got there');
    try {
      const outcome = await computeAndReport(c.manager, shard);
      if (outcome !== 'ACCEPTED') others.push(outcome);
    } catch (error) {
      // Taken before its parameters were published: back to the queue, as a worker hands it back.
      if (!(error instanceof NotPublishedYetError)) throw error;
      c.queue.waiting.push(shard);
    }
  }
}
