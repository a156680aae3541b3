import { ConfigError } from '@metatrain/core';
import { HttpServer, type Readiness } from '@metatrain/http';
import { WORKER_ENV, type CompiledWorkerOptions } from '../config/worker-options';
import type { WorkerMetrics } from './worker-metrics';

/** Where a worker is in its life, as `/readyz` reports it. */
export type WorkerPhase = 'starting' | 'running' | 'closing';

/**
 * `/readyz` of a worker: ready while it runs and the coordinator does not quarantine it. A
 * worker waiting for Redis or the coordinator, quarantined or shutting down takes no shards.
 */
export function workerReadiness(phase: WorkerPhase, quarantineReason: string | undefined): Readiness {
  if (phase === 'starting') return { ready: false, reasons: ['starting: waiting for Redis and the coordinator'] };
  if (phase === 'closing') return { ready: false, reasons: ['shutting down'] };
  if (quarantineReason !== undefined) return { ready: false, reasons: [`quarantined by the coordinator: ${quarantineReason}`] };
  return { ready: true, reasons: [] };
}

/**
 * Starts the worker's HTTP port (`/healthz`, `/readyz`, `/metrics`, the last behind
 * METATRAIN_TOKEN when it is set), or nothing when no port is configured.
 *
 * @throws {ConfigError} naming WORKER_HTTP_PORT when the port cannot be bound.
 */
export async function startWorkerHttp(options: CompiledWorkerOptions, metrics: WorkerMetrics, readiness: () => Readiness): Promise<HttpServer | undefined> {
  if (options.httpPort === undefined) return undefined;
  try {
    return await HttpServer.create({ host: options.httpHost, port: options.httpPort, metrics, token: options.token, readiness: () => Promise.resolve(readiness()) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new ConfigError(WORKER_ENV.httpPort, `cannot listen on ${options.httpHost}:${options.httpPort} (${code})`);
  }
}
