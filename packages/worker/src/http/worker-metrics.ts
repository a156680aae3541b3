import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsSource } from '@metatrain/http';
import type { ShardEvent, ShardOutcome } from '../shards/shard-event';

/** Who the worker is, as the labels of `metatrain_worker_info`. */
export interface WorkerIdentityLabels {
  workerId: string;
  backend: string;
  device: string;
  version: string;
}

/** What the worker is doing now, read at each scrape. */
export interface WorkerState {
  /** BullMQ ids of the shards in hand; empty when idle. */
  currentShards: readonly string[];
  quarantined: boolean;
  /** Compute threads: the most shards in hand at once. */
  threads: number;
  /** GetParameters calls made since the start. */
  parameterFetches: number;
  /** Of those, the ones started by the coordinator's announcement of a version. */
  parameterPrefetches: number;
  /** Parameter versions the coordinator announced (of any job) since the start. */
  announcementsHeard: number;
}

const OUTCOMES: readonly ShardOutcome[] = ['accepted', 'duplicate', 'stale', 'dropped', 'failed', 'handed-back', 'not-ready'];
/** 5 ms … 10 min: a small sinusoid shard to a big Omniglot shard on one CPU. */
const SHARD_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * The worker's Prometheus metrics (`metatrain_worker_*`, docs/RUNNING.md), in a registry of
 * its own, with Node's process metrics. Fed one {@link ShardEvent} per shard; the current
 * state is read at scrape time.
 */
export class WorkerMetrics implements MetricsSource {
  readonly registry = new Registry();
  private readonly info = new Gauge({ name: 'metatrain_worker_info', help: 'Always 1; the labels say which worker, backend and device.', labelNames: ['worker_id', 'backend', 'device', 'version'], registers: [this.registry] });
  private readonly shards = new Counter({ name: 'metatrain_worker_shards_total', help: 'Shards taken from the queue, by what became of them.', labelNames: ['outcome'], registers: [this.registry] });
  private readonly computeSeconds = new Histogram({ name: 'metatrain_worker_shard_compute_seconds', help: 'Time a shard spent in the compute thread.', buckets: SHARD_SECONDS_BUCKETS, registers: [this.registry] });
  private readonly shardSeconds = new Histogram({ name: 'metatrain_worker_shard_seconds', help: 'Time from taking a shard to its outcome (parameters, compute, report).', buckets: SHARD_SECONDS_BUCKETS, registers: [this.registry] });

  constructor(state: () => WorkerState) {
    for (const outcome of OUTCOMES) this.shards.inc({ outcome }, 0);
    new Gauge({
      name: 'metatrain_worker_busy',
      help: '1 while the worker holds a shard, else 0.',
      registers: [this.registry],
      collect() {
        this.set(state().currentShards.length === 0 ? 0 : 1);
      },
    });
    new Gauge({
      name: 'metatrain_worker_shards_in_hand',
      help: 'Shards the worker holds now (at most metatrain_worker_threads).',
      registers: [this.registry],
      collect() {
        this.set(state().currentShards.length);
      },
    });
    new Gauge({
      name: 'metatrain_worker_threads',
      help: 'Compute threads of the worker (WORKER_THREADS): shards it computes at once.',
      registers: [this.registry],
      collect() {
        this.set(state().threads);
      },
    });
    new Counter({
      name: 'metatrain_worker_parameter_fetches_total',
      help: 'GetParameters calls, on demand or prefetched after an announcement: one per job and version, plus one per retry after a failure or a not-yet-published answer (ABORTED).',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(state().parameterFetches);
      },
    });
    new Counter({
      name: 'metatrain_worker_parameter_prefetches_total',
      help: 'Of the GetParameters calls, those made when the coordinator announced a version (before any shard asked for it).',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(state().parameterPrefetches);
      },
    });
    new Counter({
      name: 'metatrain_worker_parameter_announcements_total',
      help: 'Parameter versions the coordinator announced on Redis (of any job), heard since the start.',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(state().announcementsHeard);
      },
    });
    new Gauge({
      name: 'metatrain_worker_quarantined',
      help: '1 while the coordinator quarantines this worker (it takes no shards), else 0.',
      registers: [this.registry],
      collect() {
        this.set(state().quarantined ? 1 : 0);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Labels `metatrain_worker_info` once the compute backend is known. */
  identify(identity: WorkerIdentityLabels): void {
    this.info.reset();
    this.info.set({ worker_id: identity.workerId, backend: identity.backend, device: identity.device, version: identity.version }, 1);
  }

  shardDone(event: ShardEvent): void {
    this.shards.inc({ outcome: event.outcome });
    if (event.computeMs !== undefined) this.computeSeconds.observe(event.computeMs / 1000);
    this.shardSeconds.observe(event.totalMs / 1000);
  }
}
