import { encodeParams, type ParamSet } from '@metatrain/core';
import { DataType, grpc, HealthCheckResponse_ServingStatus, HealthClient, JobServiceClient, JobState, type ReportHeader, type ReportShardRequest, ReportStatus, type TensorChunk, toTensorChunks, WorkerServiceClient } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome, readStream, reportMessages, sendReport, unary, zeroSum } from '../support/grpc-calls';
import { type InProcessCoordinator, startInProcessCoordinator } from '../support/in-process-coordinator';

// Garbage on the wire, over a real socket to a real coordinator holding a running job (whose
// shards wait in the queue: no worker, so nothing else moves): every malformed or misdirected
// call gets its status code and a message naming the field, the coordinator stays up, and
// Redis and storage are byte for byte what they were.

const SPEC = `name: target
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5 }
outer: { lr: 0.001, metaBatchSize: 4, iterations: 10 }
blockSize: 2
`;
const MAX_MODEL_PARAMETERS = 100_000;
/** The block sums of a round this coordinator admits, and so the largest report it accepts. */
const MAX_ROUND_BYTES = 4 * MAX_MODEL_PARAMETERS * 4;
const MiB = 1024 * 1024;

let cluster: InProcessCoordinator;
let jobs: JobServiceClient;
let workers: WorkerServiceClient;
let jobId: string;
const sum: ParamSet = zeroSum(SPEC);

const taskMetrics = [0, 1].map((taskIndex) => ({ taskIndex, preLoss: 1, postLoss: 1 }));
const headerOf = (overrides: Partial<ReportHeader> = {}): ReportHeader => ({ jobId, version: 0, firstBlock: 0, blockCount: 1, workerId: 'hostile', backend: 'wasm', taskMetrics, computeMs: 1, ...overrides });
const header = (overrides: Partial<ReportHeader> = {}): ReportShardRequest => ({ payload: { $case: 'header', value: headerOf(overrides) } });
const chunk = (value: TensorChunk): ReportShardRequest => ({ payload: { $case: 'chunk', value } });
/** A block's (zero) sum in chunks of `bytes`: 3 chunks for the 25 parameters at 40 bytes. */
const chunks = (bytes = 40): TensorChunk[] => toTensorChunks(encodeParams(sum), bytes);
const at = (list: TensorChunk[], i: number): TensorChunk => list[i] as TensorChunk;

/** What ReportShard answers `messages`: its status code and details. */
const report = (messages: ReportShardRequest[]) => outcome(sendReport(workers, messages));
const invalid = (details: string | RegExp) => ({ code: grpc.status.INVALID_ARGUMENT, details: typeof details === 'string' ? expect.stringContaining(details) : expect.stringMatching(details) });

beforeAll(async () => {
  cluster = await startInProcessCoordinator({ limits: { maxModelParameters: MAX_MODEL_PARAMETERS, maxRoundBytes: MAX_ROUND_BYTES } });
  jobs = new JobServiceClient(cluster.coordinator.grpcAddress, grpc.credentials.createInsecure());
  workers = new WorkerServiceClient(cluster.coordinator.grpcAddress, grpc.credentials.createInsecure());
  jobId = (await unary(jobs, jobs.submitJob, { spec: SPEC })).jobId;
});
afterAll(async () => {
  jobs?.close();
  workers?.close();
  await cluster?.close();
});

describe('hostile gRPC input', () => {
  let before: { redis: Record<string, string>; storage: Record<string, string> };
  beforeAll(async () => {
    before = await cluster.snapshot();
    // What there is to protect: the job's record and queued shards, its spec in storage.
    expect(Object.keys(before.redis).some((k) => k.includes(jobId))).toBe(true);
    expect(Object.keys(before.storage)).toContain(`jobs/${jobId}/spec.json`);
  });

  it('ReportShard: broken streams are INVALID_ARGUMENT naming the chunk or field', async () => {
    const [c0, c1, c2] = [at(chunks(), 0), at(chunks(), 1), at(chunks(), 2)];
    expect(await report([chunk(c0)])).toEqual(invalid('header: missing: the first message of a report must be its header'));
    expect(await report([header(), header(), chunk(c0)])).toEqual(invalid('header: sent twice'));
    expect(await report([header(), { payload: undefined }])).toEqual(invalid('payload: empty message'));
    expect(await report([header()])).toEqual(invalid('chunk: missing'));
    expect(await report([header({ jobId: '' }), chunk(c0)])).toEqual(invalid('header.job_id: must not be empty'));
    expect(await report([header(), chunk(c1), chunk(c0)])).toEqual(invalid('chunk 1: out of order, expected chunk 0'));
    expect(await report([header(), chunk(c0), chunk(c2)])).toEqual(invalid('chunk 2: out of order, expected chunk 1 (a chunk is missing or late)'));
    expect(await report([header(), chunk(c0), chunk(c1)])).toEqual(invalid('chunks: missing chunks 2..2 of 3'));
    expect(await report([header(), chunk(c0), chunk(c0)])).toEqual(invalid('chunk 0: duplicate'));
    expect(await report([header(), chunk({ ...c0, total: 2 }), chunk(c1)])).toEqual(invalid('chunk 1: total 3 differs from the first chunk\'s 2'));
    expect(await report([header(), chunk({ ...c0, layout: undefined })])).toEqual(invalid('chunk[0].layout: missing'));
    expect(await report([header(), chunk(c0), chunk({ ...c1, checksum: c0.checksum }), chunk(c2)])).toEqual(invalid('chunk[1].checksum: set, but only chunk 0 carries the checksum'));
  });

  it('ReportShard: wrong checksums and sizes are INVALID_ARGUMENT', async () => {
    const [whole] = chunks(1024);
    const data = Uint8Array.from(whole?.data ?? []);
    data[5] = (data[5] ?? 0) ^ 0x40;
    expect(await report([header(), chunk({ ...(whole as TensorChunk), data })])).toEqual(invalid(/^checksum: mismatch, expected [0-9a-f]{64}, bytes hash to [0-9a-f]{64}$/));
    expect(await report([header(), chunk({ ...(whole as TensorChunk), checksum: 'not-a-digest' })])).toEqual(invalid('checksum: "not-a-digest" is not a hex sha256 digest'));
    expect(await report([header(), chunk({ ...(whole as TensorChunk), totalBytes: 101 })])).toEqual(invalid('chunks: got 100 bytes, the first chunk declared 101'));
    // More than the block sums of the largest round this coordinator admits, declared up front: refused at chunk 0.
    expect(await report([header(), chunk({ ...(whole as TensorChunk), totalBytes: 1e9 })])).toEqual(invalid(`chunk 0: declared 1000000000 bytes exceed the limit of ${MAX_ROUND_BYTES} bytes`));
  });

  it('oversized messages: a chunk over 1 MiB is INVALID_ARGUMENT, a message over 8 MiB RESOURCE_EXHAUSTED', async () => {
    const big = { ...at(chunks(), 0), data: new Uint8Array(1.5 * MiB), total: 1, totalBytes: 1.5 * MiB };
    expect(await report([header(), chunk(big)])).toEqual(invalid(`chunk[0].data: ${1.5 * MiB} bytes exceed the limit of ${MiB} per chunk`));
    const huge = { ...big, data: new Uint8Array(9 * MiB) };
    expect(await report([header(), chunk(huge)])).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    expect(await outcome(unary(jobs, jobs.submitJob, { spec: `${SPEC}#${'x'.repeat(9 * MiB)}` }))).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    expect(await outcome(unary(jobs, jobs.submitJob, { spec: `${SPEC}#${'x'.repeat(2 * MiB)}` }))).toEqual(invalid(`spec: is larger than ${MiB} bytes`));
  });

  it('reports for jobs that do not exist are NOT_FOUND; a well-formed report of the wrong shape is REJECTED', async () => {
    expect(await report(reportMessages(headerOf({ jobId: 'ghost-aaaaaa' }), [sum]))).toEqual({ code: grpc.status.NOT_FOUND, details: 'header.job_id: no job "ghost-aaaaaa"' });
    const wrongShape = [{ name: 'dense0/kernel', shape: [2], values: new Float32Array(2) }];
    const answer = await sendReport(workers, reportMessages(headerOf(), [wrongShape]));
    expect(answer.status).toBe(ReportStatus.REJECTED);
    expect(answer.reason).toMatch(/^sum: 1 parameters, the job's layout has 4$/);
  });

  it('unknown job ids are NOT_FOUND on every RPC that takes one; an empty one INVALID_ARGUMENT', async () => {
    const ghost = 'ghost-bbbbbb';
    const notFound = { code: grpc.status.NOT_FOUND, details: expect.stringContaining(`no job "${ghost}"`) };
    expect(await outcome(unary(jobs, jobs.getJob, { jobId: ghost }))).toEqual(notFound);
    expect(await outcome(unary(jobs, jobs.cancelJob, { jobId: ghost, reason: '' }))).toEqual(notFound);
    expect(await outcome(readStream(jobs.watchJob({ jobId: ghost, historyOnly: false })))).toEqual(notFound);
    expect(await outcome(readStream(jobs.exportModel({ jobId: ghost })))).toEqual(notFound);
    const tensor = { shape: [1, 1], dtype: DataType.FLOAT32, data: new Uint8Array(4) };
    expect(await outcome(unary(jobs, jobs.adapt, { jobId: ghost, supportInputs: tensor, supportTargets: tensor, queryInputs: tensor, queryTargets: undefined, steps: 0, lr: 0 }))).toEqual(notFound);
    expect(await outcome(readStream(workers.getParameters({ jobId: ghost, version: 0 })))).toEqual(notFound);
    expect(await outcome(readStream(workers.getParameters({ jobId, version: 7 })))).toEqual({ code: grpc.status.FAILED_PRECONDITION, details: expect.stringContaining('parameter version 7') });
    expect(await outcome(unary(jobs, jobs.getJob, { jobId: '' }))).toEqual(invalid('job_id: must not be empty'));
    expect(await outcome(readStream(workers.getParameters({ jobId: '', version: 0 })))).toEqual(invalid('job_id: must not be empty'));
  });

  it('wrote nothing, kept the job where it was, and is still serving', async () => {
    expect(await cluster.snapshot()).toEqual(before);
    expect((await unary(jobs, jobs.getJob, { jobId })).job).toMatchObject({ state: JobState.RUNNING, roundsCompleted: 0 });
    expect((await unary(jobs, jobs.listJobs, { states: [], pageSize: 0, pageToken: '' })).jobs).toHaveLength(1);
    const health = new HealthClient(cluster.coordinator.grpcAddress, grpc.credentials.createInsecure());
    try {
      expect((await unary(health, health.check, { service: '' })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      health.close();
    }
    // The shard the garbage claimed to be is still open: a good report of it is the first accepted.
    expect(await sendReport(workers, reportMessages(headerOf(), [sum]))).toEqual({ status: ReportStatus.ACCEPTED, reason: '' });
  });
});
