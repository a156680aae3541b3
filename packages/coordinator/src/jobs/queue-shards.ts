import { groupBlocks, type ParamSet, type ParamShape, type ShardKind, type ShardSize } from '@metatrain/core';
import type { BlockCollection, CollectedBlocks, ShardRunner } from '@metatrain/job-loop';
import type { ShardQueue } from '../queue/shard-queue';
import { ShardCollector } from '../rounds/shard-collector';
import type { AcceptOutcome, ShardReport } from '../rounds/shard-report';
import { ShardSizer } from '../rounds/shard-sizer';
import { ShardTracker } from '../rounds/shard-tracker';

/** What the queue's shards tell the coordinator's metrics (CoordinatorMetrics). */
export interface QueueShardsObserver {
  /** Last shard report of a collection → the next collection enqueued: the coordinator's own share. */
  orchestrationOverhead(seconds: number): void;
  shardsReenqueued(count: number): void;
}

export interface QueueShardsOptions {
  jobId: string;
  /** The job's parameter layout: every train report's block sums must match it. */
  layout: readonly ParamShape[];
  /** The spec's `shardSize`: blocks per shard, or `auto` (a {@link ShardSizer} decides per collection). */
  shardSize: ShardSize;
  /** The compute slots of the live workers, asked once per collection (`auto` only). */
  computeSlots: () => number;
  queue: ShardQueue;
  observer: QueueShardsObserver;
  /** Straggler deadline: missing blocks are enqueued again this often. */
  shardDeadlineMs: number;
  /**
   * Told each new version once it can be fetched (ParameterAnnouncer): must return at once.
   * @default nothing is announced
   */
  announce?: (version: number) => void;
  log: (line: string) => void;
}

/**
 * A job's blocks computed by workers: each collection's parameters are published for
 * GetParameters, its blocks grouped into shards (`shardSize`, or a {@link ShardSizer} for
 * `auto`) and enqueued (BullMQ), and the workers' reports (ReportShard, ReportEval) collected
 * per block, first result wins, until every block is in; missing blocks are asked for again,
 * grouped into shards the same way. The grouping never changes a result.
 */
export class QueueShards implements ShardRunner {
  private open: ShardCollector | undefined;
  /** Published parameters: the current version and the one before (for late fetches). */
  private readonly versions = new Map<number, ParamSet>();
  /** When the previous collection's last block arrived (performance.now()). */
  private lastReportAt: number | undefined;
  /** Compute time per block, measured apart for rounds and evaluations (they cost differently). */
  private readonly sizers: Record<ShardKind, ShardSizer> = { train: new ShardSizer(), eval: new ShardSizer() };

  constructor(private readonly options: QueueShardsOptions) {}

  /** θ at `version` while it is the current or the previous version; else undefined. */
  parameters(version: number): ParamSet | undefined {
    return this.versions.get(version);
  }

  async collect(collection: BlockCollection, signal: AbortSignal): Promise<CollectedBlocks | undefined> {
    const { jobId, queue, observer, layout, shardDeadlineMs, log } = this.options;
    const { kind, version, blocks } = collection;
    this.publish(version, collection.params);
    const blocksPerShard = this.blocksPerShard(kind, blocks.length);
    const tracker = new ShardTracker({ kind, version, layout, blocks });
    const collector = new ShardCollector(tracker, shardDeadlineMs, (missing) => {
      const shards = groupBlocks(missing, blocksPerShard);
      observer.shardsReenqueued(shards.length);
      queue.reenqueue(jobId, kind, version, shards).catch((err: unknown) => log(`job ${jobId}: re-enqueue failed: ${String(err)}`));
    });
    this.open = collector;
    const interrupt = () => collector.interrupt();
    signal.addEventListener('abort', interrupt, { once: true });
    try {
      if (signal.aborted) return undefined;
      await queue.enqueue(jobId, kind, version, groupBlocks(blocks.map((b) => b.index), blocksPerShard));
      if (this.lastReportAt !== undefined) observer.orchestrationOverhead((performance.now() - this.lastReportAt) / 1000);
      const end = await collector.wait();
      if ('interrupted' in end) return undefined;
      this.lastReportAt = end.lastReportAt;
      return end.collected;
    } finally {
      collector.interrupt();
      signal.removeEventListener('abort', interrupt);
      if (this.open === collector) this.open = undefined;
    }
  }

  /**
   * Files a worker's report against the open collection, the job being at version
   * `jobVersion` (its next round). A report of a round already done, or of an evaluation no
   * longer open, is STALE; one ahead of the job is refused as not open yet (an honest worker's,
   * after the coordinator resumed from an older checkpoint).
   */
  accept(report: ShardReport, jobVersion: number): AcceptOutcome {
    const open = this.open;
    if (open && report.kind === open.tracker.kind && report.version === open.tracker.version) {
      const outcome = open.accept(report);
      if (outcome === 'ACCEPTED') this.sizers[report.kind].observe(report.computeMs, report.blockCount);
      return outcome;
    }
    const done = report.kind === 'train' ? report.version < jobVersion : report.version <= jobVersion;
    if (done) return 'STALE';
    const what = report.kind === 'train' ? 'round' : 'evaluation';
    return { rejected: `version: ${report.version} has no open ${what} (job ${this.options.jobId} is at round ${jobVersion})`, notOpenYet: true };
  }

  /** The collection's grouping: the spec's fixed size, or the sizer's choice for the slots live now. */
  private blocksPerShard(kind: ShardKind, blocks: number): number {
    const { shardSize, computeSlots } = this.options;
    return shardSize === 'auto' ? this.sizers[kind].blocksPerShard(blocks, computeSlots()) : shardSize;
  }

  /**
   * Makes θ_version fetchable, announces it when it is new (after it is readable, so a worker
   * that hears it can fetch it), and forgets versions older than the one before it.
   */
  private publish(version: number, params: ParamSet): void {
    const fresh = !this.versions.has(version);
    this.versions.set(version, params);
    for (const v of this.versions.keys()) if (v < version - 1) this.versions.delete(v);
    if (fresh) this.options.announce?.(version);
  }
}
