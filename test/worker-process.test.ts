import { ShardQueue } from '@metatrain/coordinator';
import { createComputeContext, createTaskFamily, initialState, parseSpecText, planShards } from '@metatrain/metalearn';
import { Worker } from '@metatrain/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Test-only BullMQ access (tests in test/ cannot import bullmq themselves).
import { deleteKeys, QueueProbe } from '../packages/coordinator/src/queue/testing/queue-probe';
import { freePort } from './support/free-port';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';
import { TestCoordinator } from './support/test-coordinator';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';

// The worker as an OS process (`tsx packages/worker/src/main.ts`, as `pnpm start:worker` runs
// it): its startup line, its exit codes, and SIGTERM in the middle of a shard.

const SPEC = `name: worker-process-test
algorithm: maml
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 1, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: 4, iterations: 3 }
shardSize: 2
seed: 5
`;
const spec = parseSpecText(SPEC);
const plan = planShards(spec.outer.metaBatchSize, spec.shardSize);
const JOB = 'proc-abc123';
const SHARD = `${JOB}-r0-s0`;

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

async function setUp(options: { port?: number } = {}) {
  const prefix = uniquePrefix('worker-proc');
  const coordinator = await TestCoordinator.create({ ...options, heartbeatIntervalMs: 200 });
  cleanup.push(() => coordinator.close());
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
  const job = coordinator.addJob(JOB, SPEC, { round: 0, params: initialState(ctx).params, layout: ctx.layout, metaBatchSize: spec.outer.metaBatchSize, shardSize: spec.shardSize });
  const queue = await ShardQueue.create({ redisUrl: redis.url, prefix, backoffMs: 20 });
  cleanup.push(() => deleteKeys(redis.url, prefix));
  cleanup.push(() => queue.close());
  const probe = await QueueProbe.create(redis.url, prefix, queue.queueName);
  cleanup.push(() => probe.close());
  return { prefix, coordinator, job, queue, probe };
}

function start(env: NodeJS.ProcessEnv): WorkerProcess {
  const worker = startWorkerProcess(env);
  cleanup.push(() => worker.kill());
  return worker;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('worker process', () => {
  it('prints one line and exits 2 on a configuration mistake', async () => {
    const worker = start({ REDIS_URL: 'http://127.0.0.1:6379', METATRAIN_BACKEND: 'wasm' });
    expect(await worker.exited).toEqual({ code: 2, signal: null });
    expect(worker.lines.filter((l) => l !== '')).toEqual(['worker: configuration error: REDIS_URL: expected a redis:// or rediss:// URL']);

    const backend = start({ METATRAIN_BACKEND: 'gpu' });
    expect((await backend.exited).code).toBe(2);
    expect(backend.lines.filter((l) => l !== '')).toEqual(['worker: configuration error: METATRAIN_BACKEND: expected one of tensorflow, wasm, cpu, got "gpu"']);
  });

  it('on SIGTERM mid-shard, finishes the shard within the grace period and exits 0', async () => {
    const setup = await setUp();
    let release: () => void = () => undefined;
    let held = false;
    setup.coordinator.beforeVerdict = () =>
      new Promise((resolve) => {
        held = true;
        release = () => resolve(undefined);
      });
    const env = { COORDINATOR_ADDR: setup.coordinator.address, REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: setup.prefix, WORKER_ID: 'proc-1', SHUTDOWN_GRACE_MS: '20000' };
    const worker = start(env);
    expect(await worker.waitForLine(/^worker ready: /)).toBe(`worker ready: proc-1 backend=wasm coordinator=${setup.coordinator.address}`);
    await setup.queue.enqueueRound(JOB, 0, plan.slice(0, 1), 0);
    await until(() => held, 'the report');
    worker.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(worker.child.exitCode).toBeNull(); // still waiting for the answer
    release();
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await setup.probe.state(SHARD)).toBe('completed');
    expect(setup.job.reports.map((r) => r.outcome)).toEqual(['ACCEPTED']);
    // Normal output stays quiet: the backend line and the ready line.
    expect(worker.lines.filter((l) => l !== '')).toHaveLength(2);
  });

  it('on SIGTERM mid-shard, hands the shard back when the grace period is over, exits 0, and the shard is not lost', async () => {
    const setup = await setUp();
    let held = false;
    setup.coordinator.beforeVerdict = (header) => {
      if (header.workerId !== 'proc-2') return undefined;
      held = true;
      return new Promise((resolve) => cleanup.push(() => Promise.resolve(resolve(undefined))));
    };
    const worker = start({ COORDINATOR_ADDR: setup.coordinator.address, REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: setup.prefix, WORKER_ID: 'proc-2', SHUTDOWN_GRACE_MS: '300', METATRAIN_LOG: 'debug' });
    await worker.waitForLine(/^worker ready: /);
    await setup.queue.enqueueRound(JOB, 0, plan.slice(0, 1), 0);
    await until(() => held, 'the report');
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    // The grace period, plus closing connections; far less than BullMQ's 30 s lock expiry.
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(worker.lines).toContain(`worker: handed shard ${SHARD} back to the queue`);
    // METATRAIN_LOG=debug: one line per shard.
    expect(worker.lines.filter((l) => l.startsWith(`worker: shard ${SHARD}`))).toEqual([
      expect.stringMatching(/^worker: shard \S+ handed-back: the worker shut down before the shard was reported \(compute \d+ ms, total \d+ ms\)$/),
    ]);
    expect(await setup.probe.state(SHARD)).toBe('prioritized');

    // Another worker takes it at once and the round gets its shard.
    const other = await Worker.create({ coordinatorAddress: setup.coordinator.address, redisUrl: redis.url, queuePrefix: setup.prefix, backend: 'wasm', workerId: 'proc-3', log: () => undefined });
    cleanup.push(() => other.close());
    await until(() => setup.job.tracker.has(0), 'the shard from the second worker');
    expect(setup.job.reports.filter((r) => r.outcome === 'ACCEPTED').map((r) => r.header.workerId)).toEqual(['proc-3']);
    await until(async () => (await setup.probe.state(SHARD)) === 'completed', 'completion');
  });

  it('waits for an unreachable coordinator with a log line, then registers and starts', async () => {
    const port = await freePort();
    const prefix = uniquePrefix('worker-proc');
    cleanup.push(() => deleteKeys(redis.url, prefix));
    const worker = start({ COORDINATOR_ADDR: `127.0.0.1:${port}`, REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: prefix, WORKER_ID: 'proc-4' });
    expect(await worker.waitForLine(/waiting for the coordinator/)).toMatch(new RegExp(`^worker: waiting for the coordinator at 127\\.0\\.0\\.1:${port}: UNAVAILABLE: .* \\(retrying in 1 s\\)$`));
    const setup = await setUp({ port });
    await worker.waitForLine(/^worker ready: /);
    expect(setup.coordinator.registrations.map((r) => r.workerId)).toEqual(['proc-4']);
    worker.child.kill('SIGINT');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });
});
