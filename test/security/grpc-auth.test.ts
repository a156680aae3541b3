import { randomBytes } from 'node:crypto';
import { grpc, HealthCheckResponse_ServingStatus, HealthClient, JobServiceClient, JobState, type ReportShardRequest, ReportStatus, WorkerServiceClient } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, outcome, readStream, reportMessages, sendReport, unary, zeroSum, type Outcome } from '../support/grpc-calls';
import { type InProcessCoordinator, startInProcessCoordinator } from '../support/in-process-coordinator';

// METATRAIN_TOKEN on the gRPC server: every JobService and WorkerService call without the
// token, or with a wrong one, is UNAUTHENTICATED and changes nothing, even when the request
// itself would succeed (the same calls with the token do). grpc.health.v1 stays open.

const SPEC = `name: guarded
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5 }
outer: { lr: 0.001, metaBatchSize: 4, iterations: 10 }
blockSize: 2
`;
const TOKEN = randomBytes(24).toString('base64url');

let cluster: InProcessCoordinator;
let jobs: JobServiceClient;
let workers: WorkerServiceClient;
let jobId: string;

/** A well-formed report of block `block` of round 0: a zero sum, finite metrics. The tracker would accept it. */
function validReport(block: number): ReportShardRequest[] {
  const taskMetrics = [0, 1].map((k) => ({ taskIndex: block * 2 + k, preLoss: 1, postLoss: 0.5 }));
  return reportMessages({ jobId, version: 0, firstBlock: block, blockCount: 1, workerId: 'intruder', backend: 'wasm', taskMetrics, computeMs: 1 }, [zeroSum(SPEC)]);
}

/** Every JobService and WorkerService RPC, each with a request that would succeed (or do harm) with the token. */
function everyRpc(metadata: () => grpc.Metadata): Array<[string, () => Promise<unknown>]> {
  return [
    ['SubmitJob', () => unary(jobs, jobs.submitJob, { spec: SPEC.replace('guarded', 'intruder-job') }, metadata())],
    ['GetJob', () => unary(jobs, jobs.getJob, { jobId }, metadata())],
    ['ListJobs', () => unary(jobs, jobs.listJobs, { states: [], pageSize: 0, pageToken: '' }, metadata())],
    ['CancelJob', () => unary(jobs, jobs.cancelJob, { jobId, reason: 'intruder' }, metadata())],
    ['WatchJob', () => readStream(jobs.watchJob({ jobId, historyOnly: false }, metadata()))],
    ['ExportModel', () => readStream(jobs.exportModel({ jobId }, metadata()))],
    ['Adapt', () => unary(jobs, jobs.adapt, { jobId, supportInputs: undefined, supportTargets: undefined, queryInputs: undefined, queryTargets: undefined, steps: 0, lr: 0 }, metadata())],
    ['ListWorkers', () => unary(jobs, jobs.listWorkers, {}, metadata())],
    ['RegisterWorker', () => unary(workers, workers.registerWorker, { workerId: 'intruder', backend: 'wasm', device: 'cpu', cores: 1, hostname: 'x', version: '0', threads: 1, pool: 'default' }, metadata())],
    ['Heartbeat', () => unary(workers, workers.heartbeat, { workerId: 'intruder', currentShard: '', shardsDone: 0 }, metadata())],
    ['GetParameters', () => readStream(workers.getParameters({ jobId, version: 0 }, metadata()))],
    ['ReportShard', () => sendReport(workers, validReport(0), metadata())],
  ];
}

beforeAll(async () => {
  cluster = await startInProcessCoordinator({ token: TOKEN });
  jobs = new JobServiceClient(cluster.coordinator.grpcAddress, grpc.credentials.createInsecure());
  workers = new WorkerServiceClient(cluster.coordinator.grpcAddress, grpc.credentials.createInsecure());
  // A running job whose shards wait in the queue: no worker takes them, so its state holds still.
  jobId = (await unary(jobs, jobs.submitJob, { spec: SPEC }, bearer(TOKEN))).jobId;
});
afterAll(async () => {
  jobs?.close();
  workers?.close();
  await cluster?.close();
});

describe('a coordinator with METATRAIN_TOKEN', () => {
  it('refuses every RPC without the token or with a wrong one, UNAUTHENTICATED, and nothing changes', async () => {
    const before = await cluster.snapshot();
    expect(Object.keys(before.redis).some((k) => k.includes(jobId))).toBe(true);
    expect(Object.keys(before.storage)).toContain(`jobs/${jobId}/spec.json`);
    const wrongTokens = [undefined, `${TOKEN}x`, TOKEN.slice(0, -1), '', TOKEN.toUpperCase()];
    const seen: Array<[string, string, Outcome]> = [];
    for (const token of wrongTokens) {
      for (const [name, rpc] of everyRpc(() => bearer(token))) seen.push([name, String(token), await outcome(rpc())]);
    }
    // Not a bearer header at all: the raw token, or another scheme.
    for (const header of [TOKEN, `Basic ${TOKEN}`]) {
      const metadata = () => {
        const m = new grpc.Metadata();
        m.set('authorization', header);
        return m;
      };
      for (const [name, rpc] of everyRpc(metadata)) seen.push([name, header === TOKEN ? 'raw token' : 'Basic', await outcome(rpc())]);
    }
    expect(seen).toHaveLength(12 * 7);
    for (const [name, token, result] of seen) {
      expect(result, `${name} with ${token}`).toEqual({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('METATRAIN_TOKEN') });
    }
    // No details echo what was presented.
    expect(seen.every(([, , r]) => r !== 'OK' && !r.details.includes(TOKEN.slice(0, 8)))).toBe(true);

    expect(await cluster.snapshot()).toEqual(before);
    const job = (await unary(jobs, jobs.getJob, { jobId }, bearer(TOKEN))).job;
    expect(job).toMatchObject({ state: JobState.RUNNING, roundsCompleted: 0 });
    expect((await unary(jobs, jobs.listJobs, { states: [], pageSize: 0, pageToken: '' }, bearer(TOKEN))).jobs.map((j) => j.id)).toEqual([jobId]);
    expect((await unary(jobs, jobs.listWorkers, {}, bearer(TOKEN))).workers).toEqual([]);
    const metrics = await (await fetch(`http://${cluster.coordinator.httpAddress}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toContain(`metatrain_grpc_refused_total{reason="token"} ${12 * 7}`);
    expect(metrics).toMatch(/metatrain_shards_reported_total\{status="accepted"\} 0/);
  });

  it('serves the same calls with the token: the refused report was one the round accepts', async () => {
    expect(await sendReport(workers, validReport(0), bearer(TOKEN))).toEqual({ status: ReportStatus.ACCEPTED, reason: '' });
    const registered = await outcome(unary(workers, workers.registerWorker, { workerId: 'friend', backend: 'wasm', device: 'cpu', cores: 1, hostname: 'x', version: '0', threads: 1, pool: 'default' }, bearer(TOKEN)));
    expect(registered).toBe('OK');
    expect((await unary(jobs, jobs.listWorkers, {}, bearer(TOKEN))).workers.map((w) => w.workerId)).toEqual(['friend']);
    // Lower-case scheme, extra spaces: still the token.
    const relaxed = new grpc.Metadata();
    relaxed.set('authorization', `bearer   ${TOKEN}`);
    expect(await outcome(unary(jobs, jobs.getJob, { jobId }, relaxed))).toBe('OK');
  });

  it('leaves grpc.health.v1 open (Kubernetes gRPC probes send no metadata)', async () => {
    const health = new HealthClient(cluster.coordinator.grpcAddress, grpc.credentials.createInsecure());
    try {
      const answer = await unary(health, health.check, { service: 'metatrain.v1.JobService' });
      expect(answer.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      health.close();
    }
  });
});
