import { withTimeout } from './with-timeout';
import { sendText } from './respond';
import type { RouteHandler } from './route';

/** Whether the process should get traffic (or, for a worker, count as available), and if not, why (one reason per failing dependency). */
export interface Readiness {
  ready: boolean;
  reasons: string[];
}

/** Asked on every `GET /readyz`; should be cheap (probes come every few seconds). */
export type ReadinessCheck = () => Promise<Readiness>;

/** What `/metrics` serves: the Prometheus exposition text and its content type. */
export interface MetricsSource {
  text(): Promise<string>;
  readonly contentType: string;
}

/** `GET /healthz`: the process is alive and its event loop turns; nothing else is checked. */
export const healthz: RouteHandler = (_request, response) => sendText(response, 200, 'ok\n');

/**
 * `GET /readyz`: 200 `ready`, or 503 with the reasons, one per line. A check that throws or
 * outlives `timeoutMs` counts as not ready, with that as the reason.
 */
export function readyz(check: ReadinessCheck, timeoutMs: number): RouteHandler {
  return async (_request, response) => {
    let readiness: Readiness;
    try {
      const result = await withTimeout(check(), timeoutMs);
      readiness = result.done ? result.value : { ready: false, reasons: [`readiness check still running after ${timeoutMs} ms`] };
    } catch (error) {
      readiness = { ready: false, reasons: [`readiness check failed: ${error instanceof Error ? error.message : String(error)}`] };
    }
    if (readiness.ready) return sendText(response, 200, 'ready\n');
    // A reason spanning lines would read as several.
    const reasons = readiness.reasons.map((r) => r.replace(/[\r\n]+/g, ' ').trim()).filter((r) => r !== '');
    sendText(response, 503, `${(reasons.length > 0 ? reasons : ['not ready']).join('\n')}\n`);
  };
}

/** `GET /metrics`: the Prometheus exposition text. */
export function metrics(source: MetricsSource): RouteHandler {
  return async (_request, response) => {
    const text = await source.text();
    sendText(response, 200, text, { 'content-type': source.contentType });
  };
}
