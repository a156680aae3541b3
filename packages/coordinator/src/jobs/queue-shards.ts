import { groupBlocks, type Log, type ParamSet, type ParamShape, type ShardKind, type ShardSize } from '@metatrain/core';
import type { BlockCollection, CollectedBlocks, ShardRunner, UpcomingCollection } from '@metatrain/job-loop';
import { NotPublishedYetError } from '../grpc/grpc-errors';
import type { ShardQueue } from '../queue/shard-queue';
import { ShardCollector } from '../rounds/shard-collector';
import type { AcceptOutcome, ShardReport } from '../rounds/shard-report';
import { ShardSizer } from '../rounds/shard-sizer';
import { ShardTracker } from '../rounds/shard-tracker';

/** What the queue's shards tell the coordinator's metrics (CoordinatorMetrics). */
export interface QueueShardsObserver {
  /** Last shard report of a collection → the next one's parameters published and its shards in the queue: the coordinator's own share. */
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
  /** Where the job's shards go (its JobLane; any ShardQueue in tests). */
  queue: Pick<ShardQueue, 'enqueue' | 'reenqueue'>;
  observer: QueueShardsObserver;
  /** Straggler deadline: missing blocks are enqueued again this often. */
  shardDeadlineMs: number;
  /**
   * Told each new version once it can be fetched (ParameterAnnouncer): must return at once.
   * @default nothing is announced
   */
  announce?: (version: number) => void;
  log: Log;
}

/**
 * How long GetParameters waits for the version of the collection enqueued ahead before it
 * answers "not published yet" (the worker hands its shard back and takes the next one).
 */
export const PARAMETER_WAIT_MS = 1000;

/** The next collection's shards, enqueued while the current one runs. */
interface Ahead {
  kind: ShardKind;
  version: number;
  blocksPerShard: number;
  /** Settles true once they are in the queue, false when that failed (collect enqueues them then). */
  enqueued: Promise<boolean>;
}

/** A GetParameters call waiting for the version enqueued ahead. */
interface Waiter {
  version: number;
  settle: (params: ParamSet | undefined) => void;
}

/**
 * A job's blocks computed by workers: each collection's parameters are published for
 * GetParameters, its blocks grouped into shards (`shardSize`, or a {@link ShardSizer} for
 * `auto`) and enqueued (BullMQ), and the workers' reports (ReportShard, ReportEval) collected
 * per block, first result wins, until every block is in; missing blocks are asked for again,
 * grouped into shards the same way. The grouping never changes a result.
 *
 * The next collection of a new version is enqueued while the current one runs, so between two
 * rounds there is only the outer step: a worker that takes one of its shards early waits in
 * GetParameters until the version is published (up to {@link PARAMETER_WAIT_MS}; when the
 * current collection's missing blocks are enqueued again, at once), then hands the shard back
 * and takes the next, so a re-enqueued block never waits behind workers that wait.
 */
export class QueueShards implements ShardRunner {
  private open: ShardCollector | undefined;
  /** Published parameters: the current version and the one before (for late fetches). */
  private readonly versions = new Map<number, ParamSet>();
  /** When the previous collection's last block arrived (performance.now()). */
  private lastReportAt: number | undefined;
  /** Compute time per block, measured apart for rounds and evaluations (they cost differently). */
  private readonly sizers: Record<ShardKind, ShardSizer> = { train: new ShardSizer(), eval: new ShardSizer() };
  private ahead: Ahead | undefined;
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly options: QueueShardsOptions) {}

  /** θ at `version` while it is the current or the previous version; else undefined. */
  parameters(version: number): ParamSet | undefined {
    return this.versions.get(version);
  }

  /**
   * θ at `version` (see {@link parameters}); for the version of the collection enqueued ahead,
   * waits until it is published, at most `waitMs`.
   * @throws NotPublishedYetError when that version is still to come after the wait
   */
  async awaitParameters(version: number, waitMs = PARAMETER_WAIT_MS): Promise<ParamSet | undefined> {
    const held = this.versions.get(version);
    if (held || this.ahead?.version !== version) return held;
    let waiter: Waiter | undefined;
    const params = await new Promise<ParamSet | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      waiter = { version, settle: (p) => (clearTimeout(timer), resolve(p)) };
      this.waiters.add(waiter);
    });
    if (waiter) this.waiters.delete(waiter);
    if (!params) throw new NotPublishedYetError(this.options.jobId, version);
    return params;
  }

  async collect(collection: BlockCollection, signal: AbortSignal): Promise<CollectedBlocks | undefined> {
    const { jobId, queue, observer, layout, shardDeadlineMs, log } = this.options;
    const { kind, version, blocks } = collection;
    const ahead = this.ahead?.kind === kind && this.ahead.version === version ? this.ahead : undefined;
    this.ahead = undefined;
    const blocksPerShard = ahead?.blocksPerShard ?? this.blocksPerShard(kind, blocks.length);
    const tracker = new ShardTracker({ kind, version, layout, blocks });
    const collector = new ShardCollector(tracker, shardDeadlineMs, (missing) => {
      const shards = groupBlocks(missing, blocksPerShard);
      observer.shardsReenqueued(shards.length);
      this.releaseWaiters();
      queue.reenqueue(jobId, kind, version, shards).catch((err: unknown) => log(`job ${jobId}: re-enqueue failed: ${String(err)}`, { jobId, level: 'error' }));
    });
    this.open = collector;
    // Reports can come as soon as θ is out: the collection is open first.
    this.publish(version, collection.params);
    const interrupt = () => collector.interrupt();
    signal.addEventListener('abort', interrupt, { once: true });
    try {
      if (signal.aborted) return undefined;
      if (!(await ahead?.enqueued)) await queue.enqueue(jobId, kind, version, groupBlocks(blocks.map((b) => b.index), blocksPerShard));
      if (this.lastReportAt !== undefined) observer.orchestrationOverhead((performance.now() - this.lastReportAt) / 1000);
      if (collection.next && collection.next.version > version) this.ahead = this.enqueueAhead(collection.next);
      const end = await collector.wait();
      if ('interrupted' in end) return undefined;
      this.lastReportAt = end.lastReportAt;
      return end.collected;
    } finally {
      collector.interrupt();
      signal.removeEventListener('abort', interrupt);
      if (this.open === collector) this.open = undefined;
      if (signal.aborted) this.releaseWaiters();
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
   * Enqueues the shards of the collection after the current one, of a version not published
   * yet (collect() passes it only then: a shard that could compute before its collection opens
   * would have its report refused).
   */
  private enqueueAhead(next: UpcomingCollection): Ahead {
    const { jobId, queue, log } = this.options;
    const blocksPerShard = this.blocksPerShard(next.kind, next.blocks.length);
    const shards = groupBlocks(next.blocks.map((b) => b.index), blocksPerShard);
    const enqueued = queue.enqueue(jobId, next.kind, next.version, shards).then(
      () => true,
      (err: unknown) => {
        log(`job ${jobId}: enqueueing version ${next.version} ahead failed (it is enqueued when its turn comes): ${String(err)}`, { jobId, level: 'warn' });
        return false;
      },
    );
    return { kind: next.kind, version: next.version, blocksPerShard, enqueued };
  }

  /**
   * Makes θ_version fetchable (answering the calls waiting for it), announces it when it is
   * new (after it is readable, so a worker that hears it can fetch it), and forgets versions
   * older than the one before it.
   */
  private publish(version: number, params: ParamSet): void {
    const fresh = !this.versions.has(version);
    this.versions.set(version, params);
    for (const v of this.versions.keys()) if (v < version - 1) this.versions.delete(v);
    for (const waiter of this.waiters) if (waiter.version === version) waiter.settle(params);
    if (fresh) this.options.announce?.(version);
  }

  /** Answers every waiting GetParameters "not published yet": their workers hand the shards back and take the next. */
  private releaseWaiters(): void {
    for (const waiter of this.waiters) waiter.settle(undefined);
  }
}
