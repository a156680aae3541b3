import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Coordinator, JobEventLog, JobHistory } from '@metatrain/coordinator';
import { grpc, type Job, type JobEvent, JobServiceClient, JobState } from '@metatrain/contract';
import { S3Store } from '@metatrain/storage';
import { Worker } from '@metatrain/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unary } from './support/grpc-calls';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';
import { runCli, startCli } from './support/run-cli';
import { startS3Server, uniqueBucket } from './support/s3-server';

// A job's history survives its coordinator: real Redis, directory storage, gRPC and a Worker
// with the compute stub. The job runs on one coordinator, goes on after a restart on a second
// (`metatrain metrics --follow` reading along), and a third, started after it ended, still
// gives the whole curve to `metatrain metrics` and the dashboard — each round once.

const ROUNDS = 30;
const SPEC = `name: curve
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5 }
outer: { lr: 0.001, metaBatchSize: 4, iterations: ${ROUNDS} }
blockSize: 2
shardSize: 1
checkpoint: { everyRounds: 7, keep: 2 }
eval: { everyRounds: 8, tasks: 2 }
`;
const EVALUATED = [8, 16, 24];

let redis: RedisTestServer;
let dir: string;
let prefix: string;

beforeAll(async () => {
  redis = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'metatrain-history-'));
  prefix = uniquePrefix('history');
});
afterAll(async () => {
  await redis?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A coordinator on the shared Redis and storage, as a restart would start it. */
const startCoordinator = () =>
  Coordinator.create({
    redisUrl: redis.url,
    storage: { STORAGE_URL: pathToFileURL(join(dir, 'storage')).href },
    grpcPort: 0,
    httpPort: 0,
    host: '127.0.0.1',
    queuePrefix: prefix,
    dataDir: dir,
    historyFlushMs: 50,
    log: () => undefined,
  });

const startWorker = (coordinator: Coordinator, workerId: string) =>
  Worker.create({ coordinatorAddress: coordinator.grpcAddress, redisUrl: redis.url, queuePrefix: prefix, workerId, fakeCompute: { msPerTask: 15 }, log: () => undefined });

async function waitForJob(coordinator: Coordinator, jobId: string, done: (job: Job) => boolean): Promise<Job> {
  const client = new JobServiceClient(coordinator.grpcAddress, grpc.credentials.createInsecure());
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { job } = await unary(client, client.getJob, { jobId });
      if (job && done(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${jobId} did not get there: ${JSON.stringify(job)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    client.close();
  }
}

/** The rounds and evaluations of `metrics --json` output, as short names. */
function curveOf(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; round?: number; version?: number })
    .map((record) => (record.type === 'round' ? `round ${record.round}` : `eval ${record.version}`));
}

const range = (n: number) => Array.from({ length: n }, (_, k) => k);
/** The whole curve of SPEC: round v comes after the evaluation of v. */
const WHOLE_CURVE = range(ROUNDS).flatMap((r) => [...(EVALUATED.includes(r) ? [`eval ${r}`] : []), `round ${r}`]);

describe('durable job history', () => {
  it('gives the whole curve of a job resumed on a restarted coordinator, and of it finished, after another restart', async () => {
    // 1. The first coordinator runs some rounds, then shuts down (the job stays RUNNING).
    const first = await startCoordinator();
    const worker1 = await startWorker(first, 'history-a');
    const client = new JobServiceClient(first.grpcAddress, grpc.credentials.createInsecure());
    const { jobId } = await unary(client, client.submitJob, { spec: SPEC });
    client.close();
    await waitForJob(first, jobId, (job) => job.roundsCompleted >= 10);
    await worker1.close();
    await first.close();

    // 2. The second resumes it from its checkpoint; `metrics --follow` reads along until it ends.
    const second = await startCoordinator();
    const follow = startCli(['metrics', jobId, '--follow', '--json', '--coordinator', second.grpcAddress]);
    const worker2 = await startWorker(second, 'history-b');
    await waitForJob(second, jobId, (job) => job.state === JobState.SUCCEEDED);
    const followed = await follow.done;
    await worker2.close();
    await second.close();
    expect(followed).toMatchObject({ code: 0, stderr: '' });
    expect(curveOf(followed.stdout)).toEqual(WHOLE_CURVE);

    // 3. A third, started after the end, answers from storage alone.
    const third = await startCoordinator();
    try {
      const shown = await runCli(['metrics', jobId, '--json', '--coordinator', third.grpcAddress]);
      expect(shown).toMatchObject({ code: 0, stderr: '' });
      expect(curveOf(shown.stdout)).toEqual(WHOLE_CURVE);
      const rounds = shown.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(rounds.at(-1)).toEqual({ type: 'round', time: expect.any(Number), round: ROUNDS - 1, tasks: 4, metaLoss: expect.any(Number), preLoss: expect.any(Number), postLoss: expect.any(Number), outerLr: 0.001, roundMs: expect.any(Number), tasksPerSecond: expect.any(Number), workers: 1, backends: [expect.any(String)] });

      const text = await runCli(['metrics', jobId, '--coordinator', third.grpcAddress]);
      expect(text.stdout.split('\n')[0]).toMatch(/^round {6}0 {2}meta-loss \S+ {2}pre-loss \S+ {2}post-loss \S+ {2}\d+ tasks\/s {2}[\d.]+ ms$/);
      expect(text.stdout.trim().split('\n')).toHaveLength(WHOLE_CURVE.length);

      expect(await dashboardCurve(third, jobId, WHOLE_CURVE.length)).toEqual(WHOLE_CURVE);

      const unknown = await runCli(['metrics', 'no-such-job', '--coordinator', third.grpcAddress]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('no-such-job');
      expect(unknown.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      await third.close();
    }
  }, 120_000);
});

describe('durable job history on S3', () => {
  it('writes a crashed run and its resume to a bucket and reads the curve back, each round once', async () => {
    await using server = await startS3Server();
    const { endpoint: endPoint, accessKey, secretKey } = server;
    const storage = await S3Store.create({ endPoint, accessKey, secretKey, bucket: uniqueBucket('history') });
    try {
      const jobId = 'curve-s3abcd';
      const round = (r: number, timeMs: number): JobEvent => ({ jobId, timeMs, kind: { $case: 'roundCompleted', value: { round: r, tasks: 4, metaLoss: 1 / (r + 1), preLoss: 2, postLoss: 1 / (r + 1), outerLr: 0.01, roundMs: 5, tasksPerSecond: 800, workers: 1, backends: ['wasm'] } } });
      const history = new JobHistory({ storage, events: new JobEventLog(), batching: { flushEveryRecords: 2 }, log: () => undefined });
      // The first run wrote rounds 0-4 and crashed; its newest checkpoint was version 3.
      const crashed = await history.open(jobId, 0);
      for (let r = 0; r < 5; r += 1) crashed.push(round(r, 100 + r));
      await history.close(jobId, crashed);
      const resumed = await history.open(jobId, 3);
      for (let r = 3; r < 6; r += 1) resumed.push(round(r, 200 + r));
      await history.close(jobId, resumed);
      const curve = await history.read(jobId);
      expect(curve.map((e) => [e.kind?.$case === 'roundCompleted' && e.kind.value.round, e.timeMs])).toEqual([
        [0, 100], [1, 101], [2, 102], [3, 203], [4, 204], [5, 205],
      ]);
      // A start mark and one batch per run: the rounds pushed at once went together.
      expect(await storage.list(`jobs/${jobId}/history/`)).toHaveLength(4);
    } finally {
      await storage.close();
    }
  });
});

/** The rounds and evaluations the dashboard's event stream of the job sends, once it has sent `count`. */
async function dashboardCurve(coordinator: Coordinator, jobId: string, count: number): Promise<string[]> {
  const controller = new AbortController();
  const response = await fetch(`http://${coordinator.httpAddress}/dashboard/api/jobs/${jobId}/events`, { signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const curve = (): string[] =>
    [...text.matchAll(/^data: (.*)$/gm)]
      .map((match) => JSON.parse(match[1] ?? '') as { type: string; round?: number; version?: number })
      .flatMap((event) => (event.type === 'round' ? [`round ${event.round}`] : event.type === 'eval' ? [`eval ${event.version}`] : []));
  const deadline = setTimeout(() => controller.abort(), 10_000);
  try {
    while (curve().length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    return curve();
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
}
