import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adaptExport, createComputeContext, exportModel, type LoadedExport, readExport, selectBackend } from '@metatrain/metalearn';
import { bytesLEToFloat32, createTaskFamily, initialMetaParams, parseSpecText, Rng, sampleSinusoid, wordsToBytesLE } from '@metatrain/core';
import { type AdaptRequest, type AdaptResponse, DataType, grpc, JobServiceClient, JobServiceService, type Tensor } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORTS_KEPT, LazyAdaptEngine } from '../compute/lazy-adapt-engine';
import { adaptHandler } from './adapt-handler';
import { FailedPreconditionError, NotFoundError } from './grpc-errors';

const inSeconds = (seconds: number): Date => new Date(Date.now() + seconds * 1000);

const SINUSOID = `name: sine
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 2, lr: 0.02 }
outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 }
`;
const classification = (path: string) => `name: classes
algorithm: fomaml
model: { kind: mlp, hidden: [8] }
tasks: { family: csv, path: ${JSON.stringify(path)}, taskColumn: group, target: label, kind: classification, shots: 1, queryShots: 1 }
outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 }
`;

async function exportOf(specText: string): Promise<LoadedExport> {
  const spec = parseSpecText(specText);
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
  const files = await exportModel(ctx, initialMetaParams(ctx), { rounds: 0, backend: 'test' });
  const file = (name: string) => files.get(name) as Uint8Array;
  return readExport({ modelJson: file('model.json'), weightsBin: file('weights.bin'), metaJson: file('meta.json') });
}

const f32 = (values: number[], shape: number[]): Tensor => ({ shape, dtype: DataType.FLOAT32, data: wordsToBytesLE(new Float32Array(values)) });
const i32 = (values: number[], shape: number[]): Tensor => ({ shape, dtype: DataType.INT32, data: wordsToBytesLE(new Int32Array(values)) });

const task = sampleSinusoid(new Rng([5, 5]), 5, 4);
const sineRequest = (overrides: Partial<AdaptRequest> = {}): AdaptRequest => ({
  jobId: 'sine',
  supportInputs: f32(Array.from(task.support.x), [5, 1]),
  supportTargets: f32(Array.from(task.support.y), [5]),
  queryInputs: f32(Array.from(task.query.x), [4, 1]),
  queryTargets: f32(Array.from(task.query.y), [4, 1]),
  steps: 0,
  lr: 0,
  ...overrides,
});

let dir: string;
let server: grpc.Server;
let client: JobServiceClient;
const exports = new Map<string, LoadedExport>();
const internalErrors: unknown[] = [];
const engine = new LazyAdaptEngine(() => undefined);

beforeAll(async () => {
  await selectBackend({ log: () => undefined });
  dir = await mkdtemp(join(tmpdir(), 'metatrain-adapt-handler-'));
  const csv = join(dir, 'classes.csv');
  const rows = ['group,x1,x2,label'];
  for (const group of ['a', 'b', 'c', 'd', 'e']) for (let i = 0; i < 6; i++) rows.push(`${group},${i},${i % 3},${['red', 'green', 'blue'][i % 3]}`);
  await writeFile(csv, `${rows.join('\n')}\n`);
  exports.set('sine', await exportOf(SINUSOID));
  exports.set('classes', await exportOf(classification(csv)));

  const source = {
    loadExport: (jobId: string): Promise<LoadedExport> => {
      if (jobId === 'explodes') return Promise.reject(new Error('disk on fire'));
      if (jobId === 'running') return Promise.reject(new FailedPreconditionError('job_id', 'job running has no export yet (it is RUNNING)'));
      // Jobs sine-0, sine-1, … share the sinusoid export.
      const loaded = exports.get(jobId) ?? (jobId.startsWith('sine-') ? exports.get('sine') : undefined);
      return loaded ? Promise.resolve(loaded) : Promise.reject(new NotFoundError('job_id', `no job ${JSON.stringify(jobId)}`));
    },
  };
  const unimplemented = (_call: unknown, callback: (error: { code: grpc.status; details: string }) => void): void => callback({ code: grpc.status.UNIMPLEMENTED, details: 'not part of this test' });
  server = new grpc.Server();
  server.addService(JobServiceService, {
    submitJob: unimplemented,
    getJob: unimplemented,
    listJobs: unimplemented,
    cancelJob: unimplemented,
    watchJob: unimplemented,
    exportModel: unimplemented,
    listWorkers: unimplemented,
    adapt: adaptHandler(source, { engine, onInternalError: (e) => internalErrors.push(e) }),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  client = new JobServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await engine.close();
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
  await rm(dir, { recursive: true, force: true });
});

function adapt(request: AdaptRequest): Promise<AdaptResponse> {
  return new Promise((resolve, reject) => client.adapt(request, new grpc.Metadata(), { deadline: inSeconds(20) }, (err, res) => (err ? reject(err) : resolve(res))));
}

async function status(request: AdaptRequest): Promise<{ code: grpc.status; details: string }> {
  const err = (await adapt(request).then(
    () => undefined,
    (e: unknown) => e,
  )) as grpc.ServiceError | undefined;
  if (!err) throw new Error('expected the call to fail');
  return { code: err.code, details: err.details };
}

describe('JobService.Adapt', () => {
  it('keeps the exports of the jobs adapted last, and loads a dropped one again when it is asked for', async () => {
    const first = await adapt(sineRequest({ jobId: 'sine-0' }));
    for (let k = 1; k <= EXPORTS_KEPT; k++) await adapt(sineRequest({ jobId: `sine-${k}` }));
    expect(engine.heldJobs()).toEqual(Array.from({ length: EXPORTS_KEPT }, (_, k) => `sine-${k + 1}`));
    expect(await adapt(sineRequest({ jobId: 'sine-0' }))).toEqual(first);
    expect(engine.heldJobs()).toHaveLength(EXPORTS_KEPT);
    expect(engine.heldJobs().at(-1)).toBe('sine-0');
  });

  it("adapts with the job's steps and answers exactly what adaptExport computes", async () => {
    const response = await adapt(sineRequest());
    const local = adaptExport(exports.get('sine') as LoadedExport, task.support, task.query);
    expect(response.steps).toBe(2);
    expect(response.supportLosses).toEqual(local.supportLosses);
    expect(response.predictions?.shape).toEqual([4, 1]);
    expect(response.predictions?.dtype).toBe(DataType.FLOAT32);
    expect(bytesLEToFloat32(response.predictions?.data ?? new Uint8Array())).toEqual(local.predictions);
    expect(response.queryLoss).toBe(local.queryLossAfter);
    expect(response.queryLossBefore).toBe(local.queryLossBefore);
    expect(response.queryAccuracy).toBeUndefined();
  });

  it('takes steps and lr from the request, and a query without targets', async () => {
    const response = await adapt(sineRequest({ steps: 4, lr: 0.05, queryTargets: undefined }));
    expect(response.steps).toBe(4);
    expect(response.supportLosses).toHaveLength(5);
    expect(response.queryLoss).toBeUndefined();
    expect(response.predictions?.shape).toEqual([4, 1]);
  });

  it('adapts a classifier from INT32 class indices and reports accuracy before and after', async () => {
    const request: AdaptRequest = {
      jobId: 'classes',
      supportInputs: f32([0, 0, 1, 1, 2, 2], [3, 2]),
      supportTargets: i32([0, 1, 2], [3]),
      queryInputs: f32([0, 0, 2, 2], [2, 2]),
      queryTargets: i32([0, 2], [2]),
      steps: 3,
      lr: 0.5,
    };
    const response = await adapt(request);
    expect(response.predictions?.shape).toEqual([2, 3]);
    expect(response.queryAccuracy).toBeGreaterThanOrEqual(0);
    expect(response.queryAccuracyBefore).toBeGreaterThanOrEqual(0);
    expect(await status({ ...request, supportTargets: f32([0, 1, 2], [3]) })).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'support_targets.dtype: is FLOAT32; classification targets are INT32 class indices',
    });
    expect(await status({ ...request, queryTargets: i32([0, 7], [2]) })).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'query_targets: example 1: class 7 is out of range; the model has 3 classes (0 to 2)',
    });
  });

  it.each<[string, Partial<AdaptRequest>, string]>([
    ['an empty job id', { jobId: '' }, 'job_id: must not be empty'],
    ['no support inputs', { supportInputs: undefined }, 'support_inputs: missing: the support set to adapt on'],
    ['query targets without inputs', { queryInputs: undefined }, 'query_inputs: missing, but query_targets are set'],
    ['data that does not fill the shape', { supportInputs: f32([1, 2, 3], [5, 1]) }, 'support_inputs.data: 12 bytes, but shape [5, 1] needs 20 (4 per value)'],
    ['a shape without an example axis', { queryInputs: { shape: [], dtype: DataType.FLOAT32, data: new Uint8Array() } }, 'query_inputs.shape: is empty; it needs an example axis first, [n, ...]'],
    ['inputs of another shape', { supportInputs: f32(Array.from({ length: 10 }, () => 0), [5, 2]) }, 'support_inputs.shape: [5, 2] has 2 values per example; the model takes input shape [1] (1 value)'],
    ['int inputs', { queryInputs: i32([1, 2, 3, 4], [4, 1]) }, 'query_inputs.dtype: is INT32; inputs are FLOAT32'],
    ['too few targets', { supportTargets: f32([1, 2, 3], [3]) }, 'support_targets.shape: [3] has 3 targets for the 5 examples of support_inputs'],
    ['a NaN input', { queryInputs: f32([1, Number.NaN, 3, 4], [4, 1]) }, 'query_inputs: example 1 holds NaN, not a finite number'],
    ['too many steps', { steps: 5000 }, 'steps: 5000 is more than 100'],
    ['a negative lr', { lr: -1 }, "lr: must be a positive number (0: the job's inner lr), got -1"],
  ])('refuses %s with INVALID_ARGUMENT naming the field', async (_label, overrides, details) => {
    expect(await status(sineRequest(overrides))).toEqual({ code: grpc.status.INVALID_ARGUMENT, details });
  });

  it('answers NOT_FOUND, FAILED_PRECONDITION and INTERNAL as the export source fails, and keeps serving', async () => {
    expect(await status(sineRequest({ jobId: 'nope' }))).toEqual({ code: grpc.status.NOT_FOUND, details: 'job_id: no job "nope"' });
    expect(await status(sineRequest({ jobId: 'running' }))).toEqual({ code: grpc.status.FAILED_PRECONDITION, details: 'job_id: job running has no export yet (it is RUNNING)' });
    expect(await status(sineRequest({ jobId: 'explodes' }))).toEqual({ code: grpc.status.INTERNAL, details: 'internal error: disk on fire' });
    expect(internalErrors).toHaveLength(1);
    expect((await adapt(sineRequest())).steps).toBe(2);
  });
});
