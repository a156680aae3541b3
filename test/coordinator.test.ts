import type { Coordinator } from '@metatrain/coordinator';
import { grpc, HealthCheckResponse_ServingStatus, HealthClient, type Job, type JobEvent, JobServiceClient, JobState } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessCoordinator, startInProcessCoordinator } from './support/in-process-coordinator';

// The coordinator in this process, without workers: the job API, validation, cancel, watch,
// health and metrics. Jobs run (their shards wait in the queue) but never finish here.

const SPEC = `name: waits-for-workers
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5 }
outer: { lr: 0.001, metaBatchSize: 4, iterations: 10 }
shardSize: 2
`;

let started: InProcessCoordinator;
let coordinator: Coordinator;
let client: JobServiceClient;
const deadline = () => new Date(Date.now() + 10_000);

function call<Req, Res>(method: (req: Req, meta: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, new grpc.Metadata(), { deadline: deadline() }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

const submit = (spec: string) => call(client.submitJob.bind(client), { spec });
const getJob = (jobId: string) => call(client.getJob.bind(client), { jobId });

beforeAll(async () => {
  started = await startInProcessCoordinator();
  coordinator = started.coordinator;
  client = new JobServiceClient(coordinator.grpcAddress, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await started.close();
});

describe('coordinator JobService', () => {
  it('runs a submitted job and lists it, newest first', async () => {
    const first = await submit(SPEC);
    const second = await submit(SPEC.replace('waits-for-workers', 'second-job'));
    expect(first.jobId).toMatch(/^waits-for-workers-[a-z0-9]{6}$/);
    const job = (await getJob(first.jobId)).job as Job;
    expect(job).toMatchObject({ name: 'waits-for-workers', algorithm: 'maml', taskFamily: 'sinusoid', state: JobState.RUNNING, roundsCompleted: 0, totalRounds: 10 });
    const listed = await call(client.listJobs.bind(client), { states: [JobState.RUNNING], pageSize: 0, pageToken: '' });
    const ids = listed.jobs.map((j) => j.id);
    expect(ids.indexOf(second.jobId)).toBeLessThan(ids.indexOf(first.jobId));
    const page = await call(client.listJobs.bind(client), { states: [], pageSize: 1, pageToken: '' });
    expect(page.jobs).toHaveLength(1);
    expect(page.nextPageToken).not.toBe('');
  });

  it('refuses a bad spec with INVALID_ARGUMENT naming every bad field, and keeps serving', async () => {
    const bad = SPEC.replace('lr: 0.001', 'lr: -1').replace('shots: 5', 'shots: 5, colour: red');
    const err = (await submit(bad).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain('outer.lr');
    expect(err.details).toContain('colour');
    const notYaml = (await submit('name: [unclosed').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(notYaml.code).toBe(grpc.status.INVALID_ARGUMENT);
    const missingData = (await submit(SPEC.replace('family: sinusoid, shots: 5', 'family: omniglot, path: no/such.zip, ways: 5, shots: 1')).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(missingData.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(missingData.details).toContain('tasks.path');
    expect((await submit(SPEC)).jobId).toBeTruthy();
  });

  it('answers NOT_FOUND for an unknown job', async () => {
    for (const rpc of [() => getJob('nope-aaaaaa'), () => call(client.cancelJob.bind(client), { jobId: 'nope-aaaaaa', reason: '' })]) {
      const err = (await rpc().catch((e: unknown) => e)) as grpc.ServiceError;
      expect(err.code).toBe(grpc.status.NOT_FOUND);
      expect(err.details).toContain('nope-aaaaaa');
    }
  });

  it('cancels a running job; its watchers see CANCELLED and the stream ends; a second cancel is harmless', async () => {
    const { jobId } = await submit(SPEC);
    const events: JobEvent[] = [];
    const stream = client.watchJob({ jobId, historyOnly: false });
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (r: { event: JobEvent }) => events.push(r.event));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const cancelled = await call(client.cancelJob.bind(client), { jobId, reason: 'changed my mind' });
    expect(cancelled.job).toMatchObject({ state: JobState.CANCELLED, error: 'changed my mind' });
    await ended;
    const states = events.flatMap((e) => (e.kind?.$case === 'stateChanged' ? [e.kind.value.state] : []));
    expect(states.at(-1)).toBe(JobState.CANCELLED);
    expect(states).toContain(JobState.RUNNING);
    expect((await call(client.cancelJob.bind(client), { jobId, reason: '' })).job?.state).toBe(JobState.CANCELLED);
    const exported = await new Promise<grpc.ServiceError>((resolve) => client.exportModel({ jobId }).on('error', resolve).on('data', () => undefined));
    expect(exported.code).toBe(grpc.status.FAILED_PRECONDITION);
  });
});

describe('coordinator health and metrics', () => {
  it('serves grpc.health.v1 and /healthz, /readyz, /metrics', async () => {
    const health = new HealthClient(coordinator.grpcAddress, grpc.credentials.createInsecure());
    const status = await new Promise<number>((resolve, reject) =>
      health.check({ service: 'metatrain.v1.WorkerService' }, new grpc.Metadata(), { deadline: deadline() }, (err, res) => (err ? reject(err) : resolve(res.status))),
    );
    health.close();
    expect(status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const base = `http://${coordinator.httpAddress}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/metatrain_jobs_submitted_total \d+/);
    expect(metrics).toMatch(/metatrain_queue_depth\{state="prioritized"\} [1-9]/);
  });
});
