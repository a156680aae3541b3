import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { sampleValue } from '../metrics/testing/exposition';
import { HttpServer, type HttpServerOptions, type Readiness } from '@metatrain/http';

const TOKEN = 's3cr3t-token-value';

describe('the coordinator HTTP port: HttpServer serving CoordinatorMetrics', () => {
  const open: HttpServer[] = [];
  let readiness: Readiness = { ready: true, reasons: [] };
  afterEach(async () => {
    readiness = { ready: true, reasons: [] };
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function start(options: Partial<HttpServerOptions> = {}): Promise<{ server: HttpServer; metrics: CoordinatorMetrics; url: (path: string) => string }> {
    const metrics = new CoordinatorMetrics({ processMetrics: false, scrapeTimeoutMs: 50, onScrapeFailure: () => undefined });
    const server = await HttpServer.create({ host: '127.0.0.1', port: 0, metrics, readiness: async () => readiness, ...options });
    open.push(server);
    return { server, metrics, url: (path) => `http://${server.address}${path}` };
  }

  /** Every request has a deadline, so a hung handler fails the test instead of hanging it. */
  const get = (url: string, init: RequestInit = {}) => fetch(url, { signal: AbortSignal.timeout(10_000), ...init });

  it('binds a free port on 127.0.0.1 and answers /healthz', async () => {
    const { server, url } = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    const response = await get(url('/healthz'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe('ok\n');
  });

  it('answers /readyz from the readiness check as it changes', async () => {
    const { url } = await start();
    readiness = { ready: false, reasons: ['redis: connection refused', 'registry lease\nnot held'] };
    const notReady = await get(url('/readyz'));
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('redis: connection refused\nregistry lease not held\n');
    readiness = { ready: true, reasons: [] };
    const ready = await get(url('/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready\n');
    readiness = { ready: false, reasons: [] };
    expect(await (await get(url('/readyz'))).text()).toBe('not ready\n');
  });

  it('counts a readiness check that throws or hangs as not ready', async () => {
    const throwing = await start({ readiness: () => Promise.reject(new Error('storage: bucket missing')) });
    const failed = await get(throwing.url('/readyz'));
    expect(failed.status).toBe(503);
    expect(await failed.text()).toBe('readiness check failed: storage: bucket missing\n');

    const hanging = await start({ readiness: () => new Promise<Readiness>(() => undefined), readinessTimeoutMs: 20 });
    const timedOut = await get(hanging.url('/readyz'));
    expect(timedOut.status).toBe(503);
    expect(await timedOut.text()).toBe('readiness check still running after 20 ms\n');
  });

  it('serves the metrics with their labels in the Prometheus format', async () => {
    const { metrics, url } = await start();
    metrics.roundCompleted({ jobId: 'omniglot-protonet-x1y2z3', round: 9, tasks: 32, seconds: 4, metaLoss: 0.5 });
    metrics.shardReported('duplicate');
    const response = await get(url('/metrics?ignored=query'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE metatrain_rounds_completed_total counter');
    expect(sampleValue(text, 'metatrain_tasks_per_second', { job_id: 'omniglot-protonet-x1y2z3' })).toBe(8);
    expect(sampleValue(text, 'metatrain_job_round', { job_id: 'omniglot-protonet-x1y2z3' })).toBe(10);
    expect(sampleValue(text, 'metatrain_shards_reported_total', { status: 'duplicate' })).toBe(1);
  });

  it('answers /metrics within the scrape timeout when a hook hangs', async () => {
    const { metrics, url } = await start();
    metrics.setWorkerCounts({ active: 4, lost: 1, quarantined: 0 });
    metrics.onScrape(() => new Promise<void>(() => undefined)); // a Redis that never answers
    const response = await get(url('/metrics'));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(sampleValue(text, 'metatrain_workers', { state: 'active' })).toBe(4);
    expect(sampleValue(text, 'metatrain_scrape_hook_failures_total', { reason: 'timeout' })).toBe(1);
  });

  it('answers 404 for unknown paths and 405 for other methods on known ones', async () => {
    const { url } = await start();
    for (const path of ['/', '/nope', '/metrics/extra', '/healthz/']) {
      const response = await get(url(path));
      expect(response.status, path).toBe(404);
      await response.body?.cancel();
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) {
      const response = await get(url('/metrics'), { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET');
      await response.body?.cancel();
    }
    expect((await get(url('/nope'), { method: 'POST' })).status).toBe(404);
  });

  describe('with a token', () => {
    it('requires the bearer token for /metrics and never echoes a token', async () => {
      const { url } = await start({ token: TOKEN });
      const cases: Array<[string, Record<string, string>]> = [
        ['no header', {}],
        ['wrong token', { authorization: 'Bearer not-the-token' }],
        ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, 6)}` }],
        ['another scheme', { authorization: `Basic ${TOKEN}` }],
        ['the bare token', { authorization: TOKEN }],
      ];
      for (const [name, headers] of cases) {
        const response = await get(url('/metrics'), { headers });
        expect(response.status, name).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metatrain"');
        const body = await response.text();
        expect(body, name).not.toContain(TOKEN);
        expect(body, name).not.toContain('not-the-token');
        expect(body, name).not.toContain(TOKEN.slice(0, 6));
      }
      for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
        const response = await get(url('/metrics'), { headers: { authorization } });
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('metatrain_jobs_submitted_total');
      }
    });

    it('leaves /healthz and /readyz open for probes', async () => {
      const { url } = await start({ token: TOKEN });
      expect((await get(url('/healthz'))).status).toBe(200);
      expect((await get(url('/readyz'))).status).toBe(200);
    });

    it('refuses an empty token rather than serving /metrics unguarded', async () => {
      await expect(start({ token: '' })).rejects.toThrow(RangeError);
    });
  });

  it('serves added routes, exact or by prefix, guarded by the token unless open', async () => {
    const { server, url } = await start({ token: TOKEN });
    server.addRoute('/dashboard/*', (request, response) => void response.end(`asset ${request.url}`));
    server.addRoute('/dashboard/api/*', (_request, response) => void response.end('api'));
    server.addRoute('/version', (_request, response) => void response.end('1.0'), { access: 'open' });
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    expect(await (await get(url('/dashboard/app.js'), auth)).text()).toBe('asset /dashboard/app.js');
    expect(await (await get(url('/dashboard/api/jobs'), auth)).text()).toBe('api');
    expect((await get(url('/dashboard/app.js'))).status).toBe(401);
    expect(await (await get(url('/version'))).text()).toBe('1.0');
    server.addRoute('/form', (request, response) => void response.end(request.method), { access: 'open', methods: ['GET', 'POST'] });
    expect(await (await get(url('/form'), { method: 'POST' })).text()).toBe('POST');
    const put = await get(url('/form'), { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect((await get(url('/version'), { method: 'POST' })).status).toBe(405);
    expect(() => server.addRoute('/metrics', () => undefined)).toThrow(/already served/);
    expect(() => server.addRoute('/dashboard/*', () => undefined)).toThrow(/already served/);
    expect(() => server.addRoute('relative', () => undefined)).toThrow(/must start with/);
  });

  it('answers 500 when a handler fails, reports the error, and keeps serving', async () => {
    const errors: unknown[] = [];
    const { server, url } = await start({ onError: (e) => errors.push(e) });
    server.addRoute('/boom', () => {
      throw new Error('handler bug');
    });
    const response = await get(url('/boom'));
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('internal error\n');
    expect(errors.map((e) => (e as Error).message)).toEqual(['handler bug']);
    expect((await get(url('/healthz'))).status).toBe(200);
  });

  it('closes idempotently, with a keep-alive connection open', async () => {
    const { server, url } = await start();
    expect((await get(url('/healthz'))).status).toBe(200); // fetch keeps the connection alive
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await server.close();
    await expect(get(url('/healthz'))).rejects.toThrow();
  });

  it('rejects a port in use and a port out of range', async () => {
    const { server } = await start();
    await expect(start({ port: server.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(start({ port: 70000 })).rejects.toThrow(RangeError);
  });
});
