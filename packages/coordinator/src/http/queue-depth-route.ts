import { POOL_NAME_PATTERN, POOL_NAME_RULE } from '@metatrain/core';
import type { QueueDepth } from '../queue/shard-queue';
import { type RouteHandler, sendText, type TimedResult, withTimeout } from '@metatrain/http';

/**
 * Where the coordinator serves the shard backlog as JSON. KEDA's `metrics-api` trigger reads
 * it (infra/k8s/base/worker-scaled-object.yaml and the gpu overlay's one per pool, checked
 * against this by test/infra).
 */
export const QUEUE_DEPTH_PATH = '/queue-depth';

/**
 * `GET /queue-depth[?pool=<pool>]`: `{"waiting":0,"prioritized":12,"active":3,"delayed":0,"total":15}`,
 * counted by `ShardLanes.depth()` from the keys BullMQ really fills — of the lanes of `pool`
 * (the backlog its workers scale on), or of every lane. A bad pool name is a 400 naming
 * `pool`; a count that fails or outlives `timeoutMs` is a 503, so an autoscaler keeps its
 * scale instead of reading 0.
 */
export function queueDepthRoute(depth: (pool: string | undefined) => Promise<QueueDepth>, timeoutMs: number): RouteHandler {
  return async (request, response) => {
    const pool = new URL(request.url ?? '/', 'http://coordinator').searchParams.get('pool') ?? undefined;
    if (pool !== undefined && !POOL_NAME_PATTERN.test(pool)) return sendText(response, 400, `pool: ${POOL_NAME_RULE}, got ${JSON.stringify(pool.slice(0, 40))}\n`);
    let result: TimedResult<QueueDepth>;
    try {
      result = await withTimeout(depth(pool), timeoutMs);
    } catch (error) {
      return sendText(response, 503, `queue depth unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    if (!result.done) return sendText(response, 503, `queue depth unavailable: Redis did not answer within ${timeoutMs} ms\n`);
    sendText(response, 200, `${JSON.stringify(result.value)}\n`, { 'content-type': 'application/json' });
  };
}
