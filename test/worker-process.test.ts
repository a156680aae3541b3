import { createComputeContext } from '@metatrain/metalearn';
import { createTaskFamily, initialState, parseSpecText } from '@metatrain/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Test-only Redis access (tests in test/ cannot import ioredis themselves).
import { deleteKeys } from '@metatrain/coordinator/testing';
import { freePort } from './support/free-port';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';
import { TestCoordinator } from './support/test-coordinator';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';

// The worker as an OS process (`tsx packages/worker/src/main.ts`, as `pnpm start:worker` runs
// it): its startup line and its exit codes. SIGTERM in the middle of a shard is a failure
// scenario: test/faults/worker-exit.test.ts.

const SPEC = `name: worker-process-test
algorithm: maml
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 1, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: 4, iterations: 3 }
blockSize: 2
seed: 5
`;
const spec = parseSpecText(SPEC);

let redis: RedisTestServer;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await redis?.close();
});

/** A stand-in coordinator on `port`, holding one job. */
async function startCoordinator(port: number): Promise<TestCoordinator> {
  const coordinator = await TestCoordinator.create({ port, heartbeatIntervalMs: 200 });
  cleanup.push(() => coordinator.close());
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
  coordinator.addJob('proc-abc123', SPEC, { version: 0, params: initialState(ctx).params, layout: ctx.layout, metaBatchSize: spec.outer.metaBatchSize, blockSize: spec.blockSize });
  return coordinator;
}

function start(env: NodeJS.ProcessEnv): WorkerProcess {
  const worker = startWorkerProcess(env);
  cleanup.push(() => worker.kill());
  return worker;
}

describe('worker process', () => {
  it('prints one line and exits 2 on a configuration mistake', async () => {
    const worker = start({ REDIS_URL: 'http://127.0.0.1:6379', METATRAIN_BACKEND: 'wasm' });
    expect(await worker.exited).toEqual({ code: 2, signal: null });
    expect(worker.lines.filter((l) => l !== '')).toEqual(['worker: configuration error: REDIS_URL: expected a redis:// or rediss:// URL']);

    const backend = start({ METATRAIN_BACKEND: 'gpu' });
    expect((await backend.exited).code).toBe(2);
    expect(backend.lines.filter((l) => l !== '')).toEqual(['worker: configuration error: METATRAIN_BACKEND: expected one of tensorflow, wasm, cpu, got "gpu"']);

    const format = start({ LOG_FORMAT: 'yaml' });
    expect((await format.exited).code).toBe(2);
    expect(format.lines.filter((l) => l !== '')).toEqual(['worker: configuration error: LOG_FORMAT: expected text or json, got "yaml"']);
  });

  it('waits for an unreachable coordinator with a log line, then registers and starts', async () => {
    const port = await freePort();
    const prefix = uniquePrefix('worker-proc');
    cleanup.push(() => deleteKeys(redis.url, prefix));
    const worker = start({ COORDINATOR_ADDR: `127.0.0.1:${port}`, REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: prefix, WORKER_ID: 'proc-4' });
    expect(await worker.waitForLine(/waiting for the coordinator/)).toMatch(new RegExp(`^worker: waiting for the coordinator at 127\\.0\\.0\\.1:${port}: UNAVAILABLE: .* \\(retrying in 1 s\\)$`));
    const coordinator = await startCoordinator(port);
    await worker.waitForLine(/^worker ready: /);
    expect(coordinator.registrations.map((r) => r.workerId)).toEqual(['proc-4']);
    worker.child.kill('SIGINT');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });

  it('with LOG_FORMAT=json writes one object per line: time, level, component, message', async () => {
    const port = await freePort();
    const prefix = uniquePrefix('worker-proc');
    cleanup.push(() => deleteKeys(redis.url, prefix));
    const worker = start({ COORDINATOR_ADDR: `127.0.0.1:${port}`, REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: prefix, WORKER_ID: 'proc-5', LOG_FORMAT: 'json' });
    await worker.waitForLine(/waiting for the coordinator/);
    await startCoordinator(port);
    await worker.waitForLine(/worker ready: /);
    worker.child.kill('SIGINT');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    const records = worker.lines.filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const record of records) {
      expect(Object.keys(record)).toEqual(['time', 'level', 'component', 'msg']);
      expect(record.component).toBe('worker');
      expect(['info', 'warn', 'error']).toContain(record.level);
      expect(new Date(record.time as string).toISOString()).toBe(record.time);
    }
    expect(records.find((r) => String(r.msg).startsWith('waiting'))?.msg).toMatch(new RegExp(`^waiting for the coordinator at 127\\.0\\.0\\.1:${port}: UNAVAILABLE: `));
    expect(records.at(-1)?.msg).toMatch(/^worker ready: proc-5 pool=default backend=wasm /);
  });
});
