import type { ParamSet, ParamShape } from '@metatrain/core';
import type { CollectedShards, ShardCollection, ShardRunner } from '@metatrain/job-loop';
import type { ShardQueue } from '../queue/shard-queue';
import { ShardCollector } from '../rounds/shard-collector';
import type { AcceptOutcome, ShardReport } from '../rounds/shard-report';
import { ShardTracker } from '../rounds/shard-tracker';

/** What the queue's shards tell the coordinator's metrics (CoordinatorMetrics). */
export interface QueueShardsObserver {
  /** Last shard report of a collection → the next collection enqueued: the coordinator's own share. */
  orchestrationOverhead(seconds: number): void;
  shardsReenqueued(count: number): void;
}

export interface QueueShardsOptions {
  jobId: string;
  /** The job's parameter layout: every train report's sum must match it. */
  layout: readonly ParamShape[];
  queue: ShardQueue;
  observer: QueueShardsObserver;
  /** Straggler deadline: missing shards are enqueued again this often. */
  shardDeadlineMs: number;
  log: (line: string) => void;
}

/**
 * A job's shards computed by workers: each collection's parameters are published for
 * GetParameters, its shards enqueued (BullMQ), and the workers' reports (ReportShard,
 * ReportEval) collected first-result-wins until all are in, with stragglers asked for again.
 */
export class QueueShards implements ShardRunner {
  private open: ShardCollector | undefined;
  /** Published parameters: the current version and the one before (for late fetches). */
  private readonly versions = new Map<number, ParamSet>();
  /** When the previous collection's last shard arrived (performance.now()). */
  private lastReportAt: number | undefined;

  constructor(private readonly options: QueueShardsOptions) {}

  /** θ at `version` while it is the current or the previous version; else undefined. */
  parameters(version: number): ParamSet | undefined {
    return this.versions.get(version);
  }

  async collect(collection: ShardCollection, signal: AbortSignal): Promise<CollectedShards | undefined> {
    const { jobId, queue, observer, layout, shardDeadlineMs, log } = this.options;
    const { kind, version, shards } = collection;
    this.publish(version, collection.params);
    const tracker = new ShardTracker({ kind, version, layout, shards });
    const collector = new ShardCollector(tracker, shards, shardDeadlineMs, (missing) => {
      observer.shardsReenqueued(missing.length);
      queue.reenqueue(jobId, kind, version, missing).catch((err: unknown) => log(`job ${jobId}: re-enqueue failed: ${String(err)}`));
    });
    this.open = collector;
    const interrupt = () => collector.interrupt();
    signal.addEventListener('abort', interrupt, { once: true });
    try {
      if (signal.aborted) return undefined;
      await queue.enqueue(jobId, kind, version, shards);
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
    if (open && report.kind === open.tracker.kind && report.version === open.tracker.version) return open.accept(report);
    const done = report.kind === 'train' ? report.version < jobVersion : report.version <= jobVersion;
    if (done) return 'STALE';
    const what = report.kind === 'train' ? 'round' : 'evaluation';
    return { rejected: `version: ${report.version} has no open ${what} (job ${this.options.jobId} is at round ${jobVersion})`, notOpenYet: true };
  }

  /** Makes θ_version fetchable and forgets versions older than the one before it. */
  private publish(version: number, params: ParamSet): void {
    this.versions.set(version, params);
    for (const v of this.versions.keys()) if (v < version - 1) this.versions.delete(v);
  }
}
