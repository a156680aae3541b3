import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { INFRA } from './support/yaml-files';

// The worker images' HEALTHCHECK (infra/docker/worker-healthcheck.mjs) as Docker runs it: a
// process whose exit code is the verdict, against a real Redis and a listening port standing
// where the coordinator's gRPC server would be (the check opens a TCP connection, no more).

const SCRIPT = join(INFRA, 'docker', 'worker-healthcheck.mjs');
const run = promisify(execFile);

async function check(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

const listen = (): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer((socket) => socket.end());
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const portOf = (server: Server) => (server.address() as { port: number }).port;

describe('worker-healthcheck.mjs', () => {
  let redis: RedisTestServer;
  let coordinator: Server;
  let closedPort: number;
  beforeAll(async () => {
    redis = await startRedisServer();
    coordinator = await listen();
    const closed = await listen();
    closedPort = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => coordinator?.close(resolve));
    await redis?.close();
  });

  it('exits 0 when the coordinator and Redis accept connections', async () => {
    expect(await check({ COORDINATOR_ADDR: `127.0.0.1:${portOf(coordinator)}`, REDIS_URL: redis.url })).toEqual({ code: 0, stdout: '' });
  });

  it('exits 1 naming what it cannot reach', async () => {
    const down = await check({ COORDINATOR_ADDR: `127.0.0.1:${closedPort}`, REDIS_URL: redis.url });
    expect(down).toEqual({ code: 1, stdout: `unhealthy: coordinator at 127.0.0.1:${closedPort}: ECONNREFUSED\n` });
    const noRedis = await check({ COORDINATOR_ADDR: `127.0.0.1:${portOf(coordinator)}`, REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    expect(noRedis).toEqual({ code: 1, stdout: `unhealthy: redis at 127.0.0.1:${closedPort}: ECONNREFUSED\n` });
    const bad = await check({ COORDINATOR_ADDR: 'no-port-here', REDIS_URL: redis.url });
    expect(bad).toEqual({ code: 1, stdout: 'unhealthy: cannot read host:port from "no-port-here"\n' });
  });
});
