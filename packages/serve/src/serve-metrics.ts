import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsSource } from '@metatrain/http';

/** The service's Prometheus metrics (docs/RUNNING.md). */
export class ServeMetrics implements MetricsSource {
  readonly registry = new Registry();
  readonly requests: Histogram<'route' | 'status'>;
  readonly batchSize: Histogram;
  readonly computeSeconds: Histogram;
  readonly adaptedLookups: Counter<'result'>;

  constructor(queueDepth: () => number, adaptedModels: () => number) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'metatrain_serve_' });
    this.requests = new Histogram({ name: 'metatrain_serve_request_duration_seconds', help: 'Time to answer an API request, by route and status', labelNames: ['route', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers });
    this.batchSize = new Histogram({ name: 'metatrain_serve_batch_size', help: 'Requests adapted together in one computation', buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers });
    this.computeSeconds = new Histogram({ name: 'metatrain_serve_compute_seconds', help: 'Time a compute thread spent on one batched adaptation', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers });
    this.adaptedLookups = new Counter({ name: 'metatrain_serve_adapted_lookups_total', help: 'Lookups of adapted models by id: hit, or miss (unknown or expired)', labelNames: ['result'], registers });
    new Gauge({ name: 'metatrain_serve_queue_depth', help: 'Requests waiting for a compute thread', registers, collect() { this.set(queueDepth()); } });
    new Gauge({ name: 'metatrain_serve_adapted_models', help: 'Adapted models kept for later predictions', registers, collect() { this.set(adaptedModels()); } });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
