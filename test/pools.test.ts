import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpc, type Job, JobServiceClient, JobState, WorkerServiceClient } from '@metatrain/contract';
import { type ShardEvent, Worker, type WorkerOptions } from '@metatrain/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome, reportMessages, sendReport, unary, zeroSum } from './support/grpc-calls';
import { type InProcessCoordinator, startInProcessCoordinator } from './support/in-process-coordinator';
import { runCli } from './support/run-cli';

// Worker pools and one backend per job, on a real coordinator, real Redis and real gRPC: a
// job's shards go only to workers of its pool on its backend (a queue per lane), so a job
// never mixes backends and exports `train`'s bits on that backend.

const spec = (name: string, resources?: string) => `name: ${name}
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
outer: { lr: 0.01, metaBatchSize: 8, iterations: 3 }
blockSize: 2
shardSize: 1
seed: 5
${resources === undefined ? '' : `resources: ${resources}\n`}`;

let started: InProcessCoordinator;
let client: JobServiceClient;
const workers: Worker[] = [];
/** Each worker's shard events, by worker id. */
const events = new Map<string, ShardEvent[]>();

async function startWorker(workerId: string, options: WorkerOptions): Promise<void> {
  const seen: ShardEvent[] = [];
  events.set(workerId, seen);
  workers.push(
    await Worker.create({
      coordinatorAddress: started.coordinator.grpcAddress,
      redisUrl: started.redis.url,
      queuePrefix: started.prefix,
      workerId,
      threads: 1,
      log: () => undefined,
      onShard: (event) => seen.push(event),
      ...options,
    }),
  );
}

async function finished(jobId: string): Promise<Job> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const job = (await unary(client, client.getJob, { jobId })).job;
    if (job && job.state !== JobState.RUNNING && job.state !== JobState.QUEUED) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The jobs whose shards `workerId` computed. */
const jobsOf = (workerId: string) => new Set((events.get(workerId) ?? []).map((e) => e.jobId));

beforeAll(async () => {
  // No default backend: a job naming none takes its pool's workers' one backend.
  started = await startInProcessCoordinator({ workerHeartbeatMs: 200, defaultBackend: undefined });
  client = new JobServiceClient(started.coordinator.grpcAddress, grpc.credentials.createInsecure());
  // The default pool runs wasm and cpu side by side; pool "side" runs cpu.
  await startWorker('default-wasm', { backend: 'wasm' });
  await startWorker('default-cpu', { backend: 'cpu' });
  await startWorker('side-cpu', { backend: 'cpu', pool: 'side' });
}, 120_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  client?.close();
  await started?.close();
});

describe('pools and backends', () => {
  it("computes a job only on its pool's workers of its backend, and exports train's bits on that backend", async () => {
    const [onWasm, onCpu, onSide] = await Promise.all([
      unary(client, client.submitJob, { spec: spec('on-wasm', '{ backend: wasm }') }),
      unary(client, client.submitJob, { spec: spec('on-cpu', '{ backend: cpu }') }),
      unary(client, client.submitJob, { spec: spec('on-side', '{ pool: side }') }),
    ]);
    const jobs = await Promise.all([onWasm, onCpu, onSide].map((s) => finished(s.jobId)));
    expect(jobs.map((j) => [j.state, j.pool, j.backend])).toEqual([
      [JobState.SUCCEEDED, 'default', 'wasm'],
      [JobState.SUCCEEDED, 'default', 'cpu'],
      [JobState.SUCCEEDED, 'side', 'cpu'],
    ]);
    // The backends that reported, as the export records them: one each.
    const exportedBackend = async (jobId: string) => (JSON.parse(await readFile(join(started.dir, 'jobs', jobId, 'export', 'meta.json'), 'utf8')) as { backend?: string }).backend;
    expect(await Promise.all([onWasm, onCpu, onSide].map((s) => exportedBackend(s.jobId)))).toEqual(['wasm', 'cpu', 'cpu']);
    expect(jobsOf('default-wasm')).toEqual(new Set([onWasm.jobId]));
    expect(jobsOf('default-cpu')).toEqual(new Set([onCpu.jobId]));
    expect(jobsOf('side-cpu')).toEqual(new Set([onSide.jobId]));

    // `train` honours resources.backend: the same spec, the same bits.
    const dir = await mkdtemp(join(tmpdir(), 'metatrain-pools-'));
    try {
      await writeFile(join(dir, 'spec.yaml'), spec('on-wasm', '{ backend: wasm }'));
      const result = await runCli(['train', join(dir, 'spec.yaml'), '--out', join(dir, 'train')], { METATRAIN_BACKEND: 'cpu' });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('backend: wasm');
      const trained = await readFile(join(dir, 'train', 'export', 'weights.bin'));
      const distributed = await readFile(join(started.dir, 'jobs', onWasm.jobId, 'export', 'weights.bin'));
      expect(distributed.equals(trained)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('refuses, naming resources.backend, a job naming no backend for a pool whose workers run several', async () => {
    expect(await outcome(unary(client, client.submitJob, { spec: spec('mixed') }))).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'spec: resources.backend: the workers of pool "default" run cpu and wasm, and a job never mixes backends: name one (tensorflow, wasm, cpu)',
    });
  });

  it("refuses a report of another backend than the job's, without counting it against the worker", async () => {
    // A job of a pool no worker serves: it holds still at round 0, on wasm.
    const { jobId } = await unary(client, client.submitJob, { spec: spec('held', '{ pool: empty, backend: wasm }') });
    const workerClient = new WorkerServiceClient(started.coordinator.grpcAddress, grpc.credentials.createInsecure());
    try {
      const header = { jobId, version: 0, firstBlock: 0, blockCount: 1, workerId: 'default-cpu', backend: 'cpu', taskMetrics: [0, 1].map((taskIndex) => ({ taskIndex, preLoss: 1, postLoss: 1 })), computeMs: 1 };
      const messages = reportMessages(header, [zeroSum(spec('held'))]);
      expect(await outcome(sendReport(workerClient, messages))).toEqual({
        code: grpc.status.FAILED_PRECONDITION,
        details: `header.backend: job ${jobId} is computed on wasm only, not on "cpu"`,
      });
      const listed = (await unary(client, client.listWorkers, {})).workers.find((w) => w.workerId === 'default-cpu');
      expect(listed).toMatchObject({ pool: 'default', backend: 'cpu', reportsRejected: 0 });
    } finally {
      workerClient.close();
      await unary(client, client.cancelJob, { jobId, reason: 'test over' });
    }
  });

  it("counts a job waiting for its pool's first worker in that pool's backlog, and only there", async () => {
    const depth = async (pool: string) => ((await (await fetch(`http://${started.coordinator.httpAddress}/queue-depth?pool=${pool}`)).json()) as { waiting: number; total: number });
    const { jobId } = await unary(client, client.submitJob, { spec: spec('lonely', '{ pool: lonely }') });
    try {
      expect(await depth('lonely')).toMatchObject({ waiting: 1, total: 1 });
      expect(await depth('side')).toMatchObject({ total: 0 });
      expect((await unary(client, client.getJob, { jobId })).job).toMatchObject({ pool: 'lonely', backend: '' });
    } finally {
      await unary(client, client.cancelJob, { jobId, reason: 'test over' });
    }
    expect(await depth('lonely')).toMatchObject({ total: 0 });
  });
});
