import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import type { QueueDepth } from '../queue/shard-queue';
import { HttpServer } from '@metatrain/http';
import { QUEUE_DEPTH_PATH, queueDepthRoute } from './queue-depth-route';

// The route's contract; test/infra/keda-trigger.test.ts reads it from a coordinator on a live queue.
describe('GET /queue-depth', () => {
  const open: HttpServer[] = [];
  afterEach(async () => void (await Promise.all(open.splice(0).map((s) => s.close()))));

  async function serve(depth: (pool: string | undefined) => Promise<QueueDepth>): Promise<(path?: string) => Promise<Response>> {
    const metrics = new CoordinatorMetrics({ processMetrics: false });
    const server = await HttpServer.create({ host: '127.0.0.1', port: 0, metrics, readiness: async () => ({ ready: true, reasons: [] }), token: 't0ken' });
    server.addRoute(QUEUE_DEPTH_PATH, queueDepthRoute(depth, 50));
    open.push(server);
    return (path = QUEUE_DEPTH_PATH) => fetch(`http://${server.address}${path}`, { headers: { authorization: 'Bearer t0ken' }, signal: AbortSignal.timeout(10_000) });
  }

  it('answers the depth as JSON', async () => {
    const depth = { waiting: 0, prioritized: 7, active: 2, delayed: 1, total: 10 };
    const response = await (await serve(async () => depth))();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual(depth);
  });

  it('answers the depth of one pool with ?pool=, and 400 naming the field for a bad pool name', async () => {
    const asked: (string | undefined)[] = [];
    const get = await serve(async (pool) => {
      asked.push(pool);
      return { waiting: 0, prioritized: pool === 'gpu' ? 3 : 5, active: 0, delayed: 0, total: pool === 'gpu' ? 3 : 5 };
    });
    expect(await (await get(`${QUEUE_DEPTH_PATH}?pool=gpu`)).json()).toMatchObject({ total: 3 });
    expect(await (await get()).json()).toMatchObject({ total: 5 });
    const bad = await get(`${QUEUE_DEPTH_PATH}?pool=GPU:1`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('pool: expected a pool name: 1-32 lowercase letters, digits and dashes, not starting or ending with a dash, got "GPU:1"\n');
    expect(asked).toEqual(['gpu', undefined]);
  });

  it('answers 503, never a count, when Redis fails or does not answer in time', async () => {
    const failing = await (await serve(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))))();
    expect(failing.status).toBe(503);
    expect(await failing.text()).toBe('queue depth unavailable: connect ECONNREFUSED 127.0.0.1:6379\n');
    const hanging = await (await serve(() => new Promise<QueueDepth>(() => undefined)))();
    expect(hanging.status).toBe(503);
    expect(await hanging.text()).toBe('queue depth unavailable: Redis did not answer within 50 ms\n');
  });
});
