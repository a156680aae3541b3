import { HttpServer } from '@metatrain/http';
import type { StorageEnv } from '@metatrain/storage';
import { AdaptedCache } from './adapted/adapted-cache';
import { adaptedAction, type ApiContext, listModels, modelAction } from './api/routes';
import { AdaptEngine } from './engine/adapt-engine';
import { loadModels } from './models/load-models';
import type { ServedModel } from './models/served-model';
import { compileServeOptions, type ServeOptions } from './serve-options';
import { ServeMetrics } from './serve-metrics';

/**
 * `metatrain serve`: the HTTP API over exported meta-models (docs/CLI.md): `/v1/models`,
 * `:predict`, `:adapt`, `/v1/adapted/{id}:predict`, plus `/healthz`, `/readyz`, `/metrics`.
 * Adaptation runs in the AdaptEngine's threads, never on this event loop. `close()` is idempotent.
 */
export class ServeServer {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly http: HttpServer,
    private readonly engine: AdaptEngine,
    readonly models: ServedModel[],
  ) {}

  /**
   * Reads the exports `sources` name (directories, run directories, s3:// or file:// URLs,
   * each optionally `name=source`), starts the compute threads and listens.
   * @throws ExportSourceError, ConfigError, or the error of a port that cannot be bound
   */
  static async create(sources: string[], options: ServeOptions = {}, env: StorageEnv = process.env): Promise<ServeServer> {
    const compiled = compileServeOptions(options);
    if (sources.length === 0) throw new RangeError('sources: name at least one export to serve');
    const models = await loadModels(sources, env);
    const adapted = new AdaptedCache(compiled.adaptedCacheSize, compiled.adaptedTtlMs);
    const ref: { engine?: AdaptEngine } = {};
    const metrics = new ServeMetrics(() => ref.engine?.queueDepth ?? 0, () => adapted.size);
    const started = (ref.engine = await AdaptEngine.create({
      ...compiled.engine,
      onComputation: (requests, ms) => {
        metrics.batchSize.observe(requests);
        metrics.computeSeconds.observe(ms / 1000);
        compiled.engine.onComputation?.(requests, ms);
      },
    }));
    try {
      for (const model of models) started.addModel(model.name, model.loaded);
      const http = await HttpServer.create({
        host: compiled.host,
        port: compiled.port,
        metrics,
        ...(compiled.token ? { token: compiled.token } : {}),
        readiness: async () => ({ ready: true, reasons: [] }),
      });
      const ctx: ApiContext = {
        models: new Map(models.map((m) => [m.name, m])),
        engine: started,
        adapted,
        metrics,
        deadlineMs: compiled.deadlineMs,
        maxBodyBytes: compiled.maxBodyBytes,
        maxExamples: compiled.maxExamples,
        adaptedTtlMs: compiled.adaptedTtlMs,
      };
      http.addRoute('/v1/models', listModels(ctx));
      http.addRoute('/v1/models/*', modelAction(ctx), { methods: ['POST'] });
      http.addRoute('/v1/adapted/*', adaptedAction(ctx), { methods: ['POST'] });
      return new ServeServer(http, started, models);
    } catch (err) {
      await started.close();
      throw err;
    }
  }

  /** `host:port` bound. */
  get address(): string {
    return this.http.address;
  }

  get port(): number {
    return this.http.port;
  }

  /** The backend the compute threads use. */
  get backend(): string {
    return this.engine.backend;
  }

  /** Stops listening (requests in flight finish), then the threads. Idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      try {
        await this.http.close();
      } finally {
        await this.engine.close();
      }
    })());
  }
}
