import { PermissionDeniedError, BullShardQueue, ParameterAnnouncer } from '@metatrain/coordinator';
import { DEFAULT_QUEUE_NAME, laneQueueName } from '@metatrain/contract';
import { type ComputeContext, computeShard, createComputeContext, runRoundInProcess, selectBackend } from '@metatrain/metalearn';
import { applyRound, type BlockRange, ConfigError, createTaskFamily, groupBlocks, initialState, paramsEqual, parseSpecText, planRoundBlocks } from '@metatrain/core';
import { type ShardEvent, Worker, WORKER_VERSION, WorkerClosedError, type WorkerOptions } from '@metatrain/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Test-only BullMQ access (tests in test/ cannot import bullmq themselves).
import { deleteKeys, QueueProbe, sampleValue } from '@metatrain/coordinator/testing';
import { freePort } from './support/free-port';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';
import { TestCoordinator, type TestJob } from './support/test-coordinator';

// The worker against real Redis (BullMQ) and a real gRPC server built from the coordinator's
// WorkerService pieces: shards enqueued by the coordinator's BullShardQueue are computed in the
// worker's thread and reported, and the block sums equal `computeShard` in this process bit for
// bit (both on the wasm backend).

const SPEC = `name: worker-test
algorithm: maml
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 2, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: 7, iterations: 3 }
blockSize: 2
shardSize: 1
seed: 21
`;
const spec = parseSpecText(SPEC);
/** 4 blocks: tasks 0-1, 2-3, 4-5, 6. */
const blocks = planRoundBlocks(spec);
/** One shard per block. */
const plan: BlockRange[] = groupBlocks(blocks.map((b) => b.index), 1);

const WASM_LANE = { pool: 'default', backend: 'wasm' } as const;

let redis: RedisTestServer;
let ctx: ComputeContext;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  // The workers' threads run on wasm (METATRAIN_BACKEND in the options below); so does the reference.
  await selectBackend({ prefer: 'wasm', log: () => undefined });
  ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await redis?.close();
});

/** A coordinator (on `port`, 0: a free one) holding job `jobId` at round 0, a queue and a probe on `prefix`. */
async function setUp(jobId = 'sine-abc123', { port = 0, prefix = uniquePrefix('worker') } = {}) {
  const coordinator = await TestCoordinator.create({ port, heartbeatIntervalMs: 100 });
  cleanup.push(() => coordinator.close());
  const state = initialState(ctx);
  const job = coordinator.addJob(jobId, SPEC, { version: 0, params: state.params, layout: ctx.layout, metaBatchSize: spec.outer.metaBatchSize, blockSize: spec.blockSize });
  // The queue of the workers below: the default pool's, on wasm.
  const queue = await BullShardQueue.create({ redisUrl: redis.url, prefix, queueName: laneQueueName(DEFAULT_QUEUE_NAME, WASM_LANE), backoffMs: 20 });
  cleanup.push(() => deleteKeys(redis.url, prefix));
  cleanup.push(() => queue.close());
  const probe = await QueueProbe.create(redis.url, prefix, queue.queueName);
  cleanup.push(() => probe.close());
  return { prefix, coordinator, job, queue, probe, state, jobId };
}

async function startWorker(setup: { prefix: string; coordinator: TestCoordinator }, options: WorkerOptions = {}): Promise<{ worker: Worker; events: ShardEvent[]; logs: string[] }> {
  const events: ShardEvent[] = [];
  const logs: string[] = [];
  const worker = await Worker.create({
    coordinatorAddress: setup.coordinator.address,
    redisUrl: redis.url,
    queuePrefix: setup.prefix,
    backend: 'wasm',
    // One thread unless a test asks for more: the order of shard events is then the queue's.
    threads: 1,
    shutdownGraceMs: 5000,
    log: (line) => logs.push(line),
    onShard: (event) => events.push(event),
    ...options,
  });
  cleanup.push(() => worker.close());
  return { worker, events, logs };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function expectBitExact(job: TestJob): void {
  const local = computeShard(ctx, initialState(ctx).params, 0, blocks);
  for (const held of job.tracker.complete()) {
    expect(paramsEqual(held.sum, local[held.block]!.sum), `block ${held.block}`).toBe(true);
    expect(held.metrics).toEqual(local[held.block]!.metrics);
  }
}

describe('Worker', () => {
  it('computes a round enqueued by BullShardQueue, bit for bit as computeShard does in process, with the token on every call', async () => {
    const setup = await setUp();
    const { worker, events } = await startWorker(setup, { token: 's3cret', workerId: 'worker-a' });
    expect(worker.backend.name).toBe('wasm');
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan);
    await until(() => setup.job.tracker.isComplete(), 'all shards');

    expectBitExact(setup.job);
    // The round reduced from the worker's reports is the in-process round, bit for bit.
    const distributed = applyRound(spec, setup.state, setup.job.tracker.complete());
    expect(paramsEqual(distributed.state.params, runRoundInProcess(ctx, initialState(ctx)).state.params)).toBe(true);

    const headers = setup.job.reports.map((r) => r.header);
    expect(headers.map((h) => [h.firstBlock, h.blockCount]).sort()).toEqual([[0, 1], [1, 1], [2, 1], [3, 1]]);
    expect(headers.every((h) => h.workerId === 'worker-a' && h.backend === 'wasm' && h.version === 0 && h.computeMs > 0)).toBe(true);
    expect(headers.find((h) => h.firstBlock === 3)?.taskMetrics.map((m) => m.taskIndex)).toEqual([6]);
    expect(setup.coordinator.registrations).toMatchObject([{ workerId: 'worker-a', backend: 'wasm', device: worker.backend.device }]);
    // One spec and one parameter fetch for the whole round: both are cached.
    expect(setup.coordinator.calls.filter((c) => c === 'getJob')).toHaveLength(1);
    expect(setup.coordinator.calls.filter((c) => c === 'getParameters')).toHaveLength(1);
    expect(new Set(setup.coordinator.authorization)).toEqual(new Set(['Bearer s3cret']));

    await until(async () => (await Promise.all(plan.map((s) => setup.probe.state(`${setup.jobId}-r0-b${s.first}-${s.first + 1}`)))).every((s) => s === 'completed'), 'completed jobs');
    await until(() => events.length === plan.length, 'shard events');
    expect(events.map((e) => e.outcome)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(worker.shardsDone).toBe(4);
  });

  it('shares a round in shards of several blocks between two workers, and the result is still bit-exact', async () => {
    const setup = await setUp();
    // Holding each answer a little makes the two workers interleave.
    setup.coordinator.beforeVerdict = () => new Promise((resolve) => setTimeout(() => resolve(undefined), 150));
    await startWorker(setup, { workerId: 'worker-a' });
    await startWorker(setup, { workerId: 'worker-b' });
    await setup.queue.enqueue(setup.jobId, 'train', 0, groupBlocks([0, 1, 2, 3], 2));
    await until(() => setup.job.tracker.isComplete(), 'all blocks');

    expect(setup.job.reports.map((r) => [r.header.firstBlock, r.header.blockCount]).sort()).toEqual([[0, 2], [2, 2]]);
    expect(setup.job.tracker.workers()).toEqual(['worker-a', 'worker-b']);
    expectBitExact(setup.job);
    const distributed = applyRound(spec, setup.state, setup.job.tracker.complete());
    expect(paramsEqual(distributed.state.params, runRoundInProcess(ctx, initialState(ctx)).state.params)).toBe(true);
  });

  it('holds and computes two shards at once with two threads, fetching θ once for both, bit for bit', async () => {
    const setup = await setUp();
    let held = 0;
    let release: () => void = () => undefined;
    const released = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    // The first two reports wait until both shards are in hand at once.
    setup.coordinator.beforeVerdict = () => (++held <= 2 ? released : undefined);
    const { worker, events } = await startWorker(setup, { threads: 2, workerId: 'worker-2t' });
    expect(worker.threads).toBe(2);
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan);
    await until(() => held >= 2, 'two reports held at once');
    expect(worker.currentShards).toHaveLength(2);
    release();
    await until(() => setup.job.tracker.isComplete(), 'all shards');
    expectBitExact(setup.job);
    expect(setup.coordinator.registrations).toMatchObject([{ workerId: 'worker-2t', threads: 2 }]);
    expect(setup.coordinator.calls.filter((c) => c === 'getParameters')).toHaveLength(1);
    expect(worker.parameterFetches).toBe(1);
    await until(() => events.length === plan.length, 'shard events');
    expect(events.every((e) => e.outcome === 'accepted')).toBe(true);
  });

  it('prefetches a version the coordinator announces for a job it worked on, so its shards fetch nothing', async () => {
    const setup = await setUp();
    const announcer = await ParameterAnnouncer.create({ redisUrl: redis.url, prefix: setup.prefix, queueName: DEFAULT_QUEUE_NAME, log: () => undefined });
    cleanup.push(() => announcer.close());
    const { worker } = await startWorker(setup);
    // A job it never worked on: nothing to prefetch.
    announcer.announce(WASM_LANE, { jobId: 'other-job', version: 0 });
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan.slice(0, 1));
    await until(() => setup.job.tracker.has(0), 'shard 0 of round 0');
    expect(worker.parameterFetches).toBe(1);

    const layout = { layout: ctx.layout, metaBatchSize: spec.outer.metaBatchSize, blockSize: spec.blockSize };
    const next = setup.coordinator.addJob(setup.jobId, SPEC, { version: 1, params: setup.state.params, ...layout });
    announcer.announce(WASM_LANE, { jobId: setup.jobId, version: 1 });
    await until(() => worker.parameterFetches === 2, 'the prefetch of version 1');
    await until(() => setup.coordinator.calls.filter((c) => c === 'getParameters').length === 2, 'the prefetch to reach the coordinator');
    await setup.queue.enqueue(setup.jobId, 'train', 1, plan.slice(0, 2));
    await until(() => next.tracker.has(0) && next.tracker.has(1), 'two shards of round 1');
    expect(worker.parameterFetches).toBe(2);
    expect(setup.coordinator.calls.filter((c) => c === 'getParameters')).toHaveLength(2);
  });

  it('completes the queue job only after the coordinator answered the report', async () => {
    const setup = await setUp();
    let release: () => void = () => undefined;
    let held = false;
    setup.coordinator.beforeVerdict = () =>
      new Promise((resolve) => {
        held = true;
        release = () => resolve(undefined);
      });
    const { worker } = await startWorker(setup);
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan.slice(0, 1));
    await until(() => held, 'the report');
    const id = `${setup.jobId}-r0-b0-1`;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await setup.probe.state(id)).toBe('active');
    expect(worker.currentShards).toEqual([id]);
    release();
    await until(async () => (await setup.probe.state(id)) === 'completed', 'completion');
    expect(setup.job.reports.map((r) => r.outcome)).toEqual(['ACCEPTED']);
  });

  it('fails the queue job on REJECTED, so that BullMQ runs it again', async () => {
    const setup = await setUp();
    let rejections = 0;
    setup.coordinator.beforeVerdict = () => (rejections++ === 0 ? { rejected: 'task_metrics: simulated' } : undefined);
    const { events, logs } = await startWorker(setup);
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan.slice(0, 1));
    const id = `${setup.jobId}-r0-b0-1`;
    await until(async () => (await setup.probe.state(id)) === 'completed', 'completion after the retry');
    expect(setup.job.reports.map((r) => r.outcome)).toEqual([{ rejected: 'task_metrics: simulated' }, 'ACCEPTED']);
    expect(events.map((e) => e.outcome)).toEqual(['failed', 'accepted']);
    expect(logs).toContain(`worker: shard ${id} failed (it will be retried): report rejected by the coordinator: task_metrics: simulated`);
  });

  it('completes without a result a shard whose job is gone or whose parameters are no longer held', async () => {
    const setup = await setUp();
    const { events, logs } = await startWorker(setup);
    await setup.queue.enqueue('gone-job', 'train', 0, plan.slice(0, 1));
    await setup.queue.enqueue(setup.jobId, 'train', 5, plan.slice(0, 1)); // version 5 is not held
    await until(() => events.length === 2, 'two shard events');
    expect(await setup.probe.state('gone-job-r0-b0-1')).toBe('completed');
    expect(await setup.probe.state(`${setup.jobId}-r5-b0-1`)).toBe('completed');
    expect(events.map((e) => [e.queueJobId, e.outcome])).toEqual([
      ['gone-job-r0-b0-1', 'dropped'],
      [`${setup.jobId}-r5-b0-1`, 'dropped'],
    ]);
    expect(logs.filter((l) => l.startsWith('worker:'))).toEqual([
      'worker: dropped shard gone-job-r0-b0-1: NOT_FOUND: job_id: no job "gone-job"',
      `worker: dropped shard ${setup.jobId}-r5-b0-1: FAILED_PRECONDITION: version: job "${setup.jobId}" does not hold parameter version 5`,
    ]);
    expect(setup.job.reports).toEqual([]);
  });

  it('fails a message that is not a shard message, without retries, and goes on', async () => {
    const setup = await setUp();
    const { logs } = await startWorker(setup);
    await setup.probe.add('junk-1', { kind: 'train', jobId: 'x', version: -1 }, 3);
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan.slice(0, 1));
    await until(async () => (await setup.probe.state('junk-1')) === 'failed', 'the bad message to fail');
    await until(() => setup.job.tracker.has(0), 'the next shard');
    expect(logs).toContain('worker: failed queue job junk-1: shard message: version: expected a non-negative integer, got number -1');
  });

  it('heartbeats its progress, and registers again when the coordinator forgot it', async () => {
    const setup = await setUp();
    const { worker } = await startWorker(setup, { workerId: 'worker-hb' });
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan);
    await until(() => setup.job.tracker.isComplete(), 'all shards');
    await until(() => setup.coordinator.heartbeats.some((h) => h.shardsDone === 4 && h.currentShard === ''), 'a heartbeat with the shards done');
    expect(worker.shardsDone).toBe(4);
    expect(setup.coordinator.heartbeats.every((h) => h.workerId === 'worker-hb')).toBe(true);
    expect(setup.coordinator.workers.list().map((w) => w.workerId)).toEqual(['worker-hb']);

    setup.coordinator.forgetWorkers();
    await until(() => setup.coordinator.registrations.length === 2, 'a second registration');
    expect(setup.coordinator.registrations[1]?.workerId).toBe('worker-hb');
    expect(setup.coordinator.workers.list().map((w) => w.workerId)).toEqual(['worker-hb']);
  });

  it('waits for an unreachable Redis with one log line, and stops waiting when aborted', async () => {
    const setup = await setUp();
    const abort = new AbortController();
    const logs: string[] = [];
    const creating = Worker.create({ coordinatorAddress: setup.coordinator.address, redisUrl: 'redis://127.0.0.1:1', backend: 'wasm', log: (l) => logs.push(l), signal: abort.signal });
    await until(() => logs.some((l) => l.startsWith('worker: waiting for Redis')), 'the redis log line');
    await new Promise((resolve) => setTimeout(resolve, 300)); // ioredis retries meanwhile
    abort.abort();
    await expect(creating).rejects.toThrow(new WorkerClosedError('stopped while waiting for Redis'));
    expect(logs.filter((l) => l.includes('Redis'))).toEqual(['worker: waiting for Redis at 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1 (retrying)']);
  });

  it('takes no shards while the coordinator quarantines it, and takes shards again once it is lifted', async () => {
    const setup = await setUp();
    const { logs, events } = await startWorker(setup, { workerId: 'worker-q' });
    // Three refused reports in a row quarantine a worker (the WorkerTable's default policy).
    for (let i = 0; i < 3; i++) setup.coordinator.workers.reportAnswered('worker-q', { rejected: 'sum: bad' });
    await until(() => logs.some((l) => l.startsWith('worker: quarantined by the coordinator')), 'the quarantine line');
    expect(logs).toContain('worker: quarantined by the coordinator (3 reports in a row were refused; the last: sum: bad); taking no shards until it lifts the quarantine');
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan.slice(0, 1));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await setup.probe.state(`${setup.jobId}-r0-b0-1`)).toBe('prioritized'); // left for others
    expect(events).toEqual([]); // not even computed

    setup.coordinator.forgetWorkers(); // a restarted coordinator knows nothing of the quarantine
    await until(() => setup.job.tracker.has(0) && events.length > 0, 'the shard, once the quarantine is lifted');
    expect(logs).toContain('worker: the coordinator no longer quarantines this worker; taking shards again');
    expect(events.map((e) => e.outcome)).toEqual(['accepted']);
  });

  it('hands a shard back and stops taking more when its report is answered PERMISSION_DENIED', async () => {
    const setup = await setUp();
    setup.coordinator.beforeVerdict = () => Promise.reject(new PermissionDeniedError('header.worker_id', 'worker worker-r is quarantined: 3 reports in a row were refused'));
    const { logs, events } = await startWorker(setup, { workerId: 'worker-r' });
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan.slice(0, 2));
    await until(() => events.length === 1, 'the refused report');
    expect(events[0]).toMatchObject({ outcome: 'handed-back', reason: 'PERMISSION_DENIED: header.worker_id: worker worker-r is quarantined: 3 reports in a row were refused' });
    // The event comes as the shard is handed back; the log line once Redis has it back.
    await until(() => logs.includes(`worker: handed shard ${events[0]?.queueJobId} back to the queue`), 'the handed-back line');
    await until(async () => (await setup.probe.state(events[0]?.queueJobId ?? '')) === 'prioritized', 'the shard back in the queue');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(events).toHaveLength(1); // paused for good: heartbeats never said quarantined, so nothing lifts it
  });

  it('serves /healthz, /readyz and /metrics from the start: waiting, running, quarantined, closed', async () => {
    const token = 'w0rker-t0ken';
    const [port, prefix] = [await freePort(), uniquePrefix('worker-http')];
    const logs: string[] = [];
    const events: ShardEvent[] = [];
    const options: WorkerOptions = { coordinatorAddress: `127.0.0.1:${port}`, redisUrl: redis.url, queuePrefix: prefix, backend: 'wasm', workerId: 'worker-h', threads: 1, token, httpPort: 0, httpHost: '127.0.0.1' };
    const creating = Worker.create({ ...options, log: (l) => logs.push(l), onShard: (e) => events.push(e) });
    cleanup.push(async () => (await creating.catch(() => undefined))?.close());
    await until(() => logs.some((l) => l.startsWith('worker: http on ')), 'the http line');
    const address = logs.find((l) => l.startsWith('worker: http on '))?.slice('worker: http on '.length) ?? '';
    const get = (path: string, bearer?: string) => fetch(`http://${address}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {}, signal: AbortSignal.timeout(10_000) });
    const answer = async (path: string, bearer?: string) => {
      const response = await get(path, bearer);
      return [response.status, await response.text()] as const;
    };

    // Waiting for the coordinator: alive, not ready; /metrics needs the token and never shows it.
    expect(await answer('/healthz')).toEqual([200, 'ok\n']);
    expect(await answer('/readyz')).toEqual([503, 'starting: waiting for Redis and the coordinator\n']);
    for (const bearer of [undefined, 'wrong']) {
      const [status, body] = await answer('/metrics', bearer);
      expect(status).toBe(401);
      expect(body).not.toContain(token);
    }

    const setup = await setUp('sine-http01', { port, prefix });
    const worker = await creating;
    expect(worker.httpAddress).toBe(address);
    expect(await answer('/readyz')).toEqual([200, 'ready\n']);
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan);
    await until(() => events.length === plan.length, 'shard events');
    const [status, text] = await answer('/metrics', token);
    expect(status).toBe(200);
    expect(sampleValue(text, 'metatrain_worker_info', { worker_id: 'worker-h', backend: 'wasm', device: worker.backend.device, version: WORKER_VERSION })).toBe(1);
    expect(sampleValue(text, 'metatrain_worker_shards_total', { outcome: 'accepted' })).toBe(plan.length);
    expect(sampleValue(text, 'metatrain_worker_shards_total', { outcome: 'failed' })).toBe(0);
    expect(sampleValue(text, 'metatrain_worker_shard_compute_seconds_count')).toBe(plan.length);
    expect(sampleValue(text, 'metatrain_worker_shard_seconds_sum')).toBeGreaterThanOrEqual(sampleValue(text, 'metatrain_worker_shard_compute_seconds_sum') ?? Infinity);
    expect([sampleValue(text, 'metatrain_worker_busy'), sampleValue(text, 'metatrain_worker_quarantined')]).toEqual([0, 0]);
    expect([sampleValue(text, 'metatrain_worker_threads'), sampleValue(text, 'metatrain_worker_shards_in_hand'), sampleValue(text, 'metatrain_worker_parameter_fetches_total')]).toEqual([1, 0, 1]);
    expect(sampleValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).not.toContain(token);

    for (let i = 0; i < 3; i++) setup.coordinator.workers.reportAnswered('worker-h', { rejected: 'sum: bad' });
    await until(async () => (await get('/readyz')).status === 503, 'not ready while quarantined');
    expect(await answer('/readyz')).toEqual([503, 'quarantined by the coordinator: 3 reports in a row were refused; the last: sum: bad\n']);
    expect(sampleValue((await answer('/metrics', token))[1], 'metatrain_worker_quarantined')).toBe(1);

    await worker.close();
    await expect(get('/healthz')).rejects.toThrow(); // the port is closed with the worker
  });

  it('names WORKER_HTTP_PORT when its port is taken', async () => {
    const setup = await setUp();
    const { worker } = await startWorker(setup, { httpPort: 0, httpHost: '127.0.0.1' });
    const port = Number(worker.httpAddress?.split(':')[1]);
    await expect(startWorker(setup, { httpPort: port, httpHost: '127.0.0.1' })).rejects.toThrow(new ConfigError('WORKER_HTTP_PORT', `cannot listen on 127.0.0.1:${port} (EADDRINUSE)`));
  });

  it('computes an older version again after the coordinator resumed from an older checkpoint', async () => {
    const setup = await setUp();
    await startWorker(setup);
    const params = setup.state.params;
    const layout = { layout: ctx.layout, metaBatchSize: spec.outer.metaBatchSize, blockSize: spec.blockSize };
    for (const round of [2, 3, 1]) {
      // Round 1 comes last, as after a resume: the worker holds versions 2 and 3 by then.
      const job = setup.coordinator.addJob(setup.jobId, SPEC, { version: round, params, ...layout });
      await setup.queue.enqueue(setup.jobId, 'train', round, plan.slice(0, 1));
      await until(() => job.tracker.has(0), `shard 0 of round ${round}`);
    }
  });

  it('with two threads, hands back every shard still in hand when the grace period is over', async () => {
    const setup = await setUp();
    let held = 0;
    setup.coordinator.beforeVerdict = () => {
      held++;
      // No answer until the test is over.
      return new Promise((resolve) => cleanup.push(() => Promise.resolve(resolve(undefined))));
    };
    const { worker, events, logs } = await startWorker(setup, { threads: 2, shutdownGraceMs: 100 });
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan.slice(0, 2));
    await until(() => held === 2, 'two reports');
    expect(worker.currentShards).toHaveLength(2);
    await worker.close();
    const ids = [`${setup.jobId}-r0-b0-1`, `${setup.jobId}-r0-b1-2`];
    for (const id of ids) {
      expect(await setup.probe.state(id)).toBe('prioritized');
      expect(logs).toContain(`worker: handed shard ${id} back to the queue`);
    }
    expect(events.map((e) => e.outcome)).toEqual(['handed-back', 'handed-back']);
  });

  it('hands the shard in hand back to the queue when the grace period is over', async () => {
    const setup = await setUp();
    let held = false;
    setup.coordinator.beforeVerdict = () => {
      held = true;
      // No answer until the test is over.
      return new Promise((resolve) => cleanup.push(() => Promise.resolve(resolve(undefined))));
    };
    const { worker, events, logs } = await startWorker(setup, { shutdownGraceMs: 100 });
    await setup.queue.enqueue(setup.jobId, 'train', 0, plan.slice(0, 1));
    await until(() => held, 'the report');
    await worker.close();
    const id = `${setup.jobId}-r0-b0-1`;
    expect(await setup.probe.state(id)).toBe('prioritized');
    expect(events.map((e) => e.outcome)).toEqual(['handed-back']);
    expect(logs).toContain(`worker: handed shard ${id} back to the queue`);
    await worker.close(); // idempotent
  });
});
