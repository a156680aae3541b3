import type { QueueDepth } from '../queue/shard-queue';
import { type RouteHandler, sendText, type TimedResult, withTimeout } from '@metatrain/http';

/**
 * Where the coordinator serves the shard backlog as JSON. KEDA's `metrics-api` trigger reads
 * it (infra/k8s/base/worker/scaled-object.yaml, checked against this by test/infra).
 */
export const QUEUE_DEPTH_PATH = '/queue-depth';

/**
 * `GET /queue-depth`: `{"waiting":0,"prioritized":12,"active":3,"delayed":0,"total":15}`,
 * counted by `ShardQueue.depth()` from the keys BullMQ really fills. A count that fails or
 * outlives `timeoutMs` is a 503, so an autoscaler keeps its scale instead of reading 0.
 */
export function queueDepthRoute(depth: () => Promise<QueueDepth>, timeoutMs: number): RouteHandler {
  return async (_request, response) => {
    let result: TimedResult<QueueDepth>;
    try {
      result = await withTimeout(depth(), timeoutMs);
    } catch (error) {
      return sendText(response, 503, `queue depth unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    if (!result.done) return sendText(response, 503, `queue depth unavailable: Redis did not answer within ${timeoutMs} ms\n`);
    sendText(response, 200, `${JSON.stringify(result.value)}\n`, { 'content-type': 'application/json' });
  };
}
