import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchData, grpc, JobServiceClient, JobServiceService, toFileChunks, type UploadDataRequest, type UploadDataResponse } from '@metatrain/contract';
import { dataKey, sha256Hex } from '@metatrain/core';
import { MemoryStore } from '@metatrain/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDataHandler } from '../grpc/get-data';
import { NotFoundError } from '../grpc/grpc-errors';
import { inSeconds, startWorkerService, type WorkerServiceFixture } from '../grpc/testing/worker-service-fixture';
import { uploadDataHandler } from '../grpc/upload-data';
import type { JobRecord } from '../registry/job-record';
import { StoredData } from './stored-data';

// UploadData and GetData against real grpc-js servers on 127.0.0.1:0, over a MemoryStore.

const table = new TextEncoder().encode('city,sqm,price\nA,50,100\nA,60,120\n');
const hash = sha256Hex(table);
const specNaming = (path: string) => `name: t\nalgorithm: maml\nmodel: { kind: mlp, hidden: [4] }\ntasks: { family: csv, path: "${path}", taskColumn: city, target: price, shots: 1 }\nouter: { lr: 0.001, metaBatchSize: 2, iterations: 1 }\n`;
const record = (spec: string): JobRecord => ({ id: 'job-1', name: 't', spec, state: 'RUNNING', roundsCompleted: 0, totalRounds: 1, createdAt: 0, updatedAt: 0 });

let cacheDir: string;
const storage = new MemoryStore();
let data: StoredData;
let jobs: grpc.Server;
let jobClient: JobServiceClient;
let workers: WorkerServiceFixture;
const specs = new Map<string, string>();

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'metatrain-stored-data-'));
  data = new StoredData(storage, cacheDir);
  jobs = new grpc.Server();
  const unimplemented = () => undefined;
  jobs.addService(JobServiceService, {
    ...Object.fromEntries(['submitJob', 'getJob', 'listJobs', 'cancelJob', 'watchJob', 'exportModel', 'adapt', 'listWorkers'].map((name) => [name, unimplemented])),
    uploadData: uploadDataHandler({ data, maxBytes: 4 * 1024 * 1024, limitVariable: 'MAX_DATA_BYTES' }),
  } as never);
  const port = await new Promise<number>((resolve, reject) => jobs.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  jobClient = new JobServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const job = async (jobId: string) => {
    const spec = specs.get(jobId);
    if (spec === undefined) throw new NotFoundError('job_id', `no job ${JSON.stringify(jobId)}`);
    return record(spec);
  };
  workers = await startWorkerService({ getData: getDataHandler({ data, job }) });
});

afterAll(async () => {
  jobClient?.close();
  jobs?.forceShutdown();
  await workers?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

function upload(messages: UploadDataRequest[]): Promise<UploadDataResponse> {
  return new Promise((resolve, reject) => {
    const call = jobClient.uploadData({ deadline: inSeconds(10) }, (error, response) => (error ? reject(error) : resolve(response as UploadDataResponse)));
    for (const message of messages) call.write(message);
    call.end();
  });
}

const getData = (jobId: string, sha256: string) => fetchData(workers.client, jobId, sha256, inSeconds(10), 1024 * 1024);

describe('UploadData', () => {
  it('stores a file under its sha256 and answers how a spec names it; again is harmless', async () => {
    const messages = toFileChunks(table).map((chunk) => ({ chunk }));
    expect(await upload(messages)).toEqual({ reference: `sha256:${hash}`, sizeBytes: table.length });
    expect(await upload(messages)).toEqual({ reference: `sha256:${hash}`, sizeBytes: table.length });
    expect(await storage.list('data/')).toEqual([dataKey(hash)]);
  });

  it.each<[string, UploadDataRequest[], string]>([
    ['a file above the limit, from its first chunk', [{ chunk: { data: new Uint8Array(0), index: 0, total: 5, sizeBytes: 5 * 1024 * 1024, sha256: hash } }], "chunk.size_bytes: 5242880 bytes is above this coordinator's limit of 4194304 bytes (MAX_DATA_BYTES)"],
    ['a checksum that does not match', toFileChunks(table).map((chunk) => ({ chunk: { ...chunk, sha256: '0'.repeat(64) } })), `chunk: sha256: the data hashes to ${hash}, chunk 0 declared ${'0'.repeat(64)}`],
    ['a message without a chunk', [{ chunk: undefined }], 'chunk: missing: every message carries one'],
    ['no message at all', [], 'chunk: missing: the stream ended without one'],
    ['chunks out of order', [{ chunk: { data: table, index: 1, total: 2, sizeBytes: 0, sha256: '' } }], 'chunk: chunk 1'],
  ])('refuses %s with INVALID_ARGUMENT naming the field, storing nothing', async (_what, messages, details) => {
    const before = await storage.list('');
    await expect(upload(messages)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining(details) });
    expect(await storage.list('')).toEqual(before);
  });
});

describe('GetData', () => {
  it('streams a file the job names, bit for bit', async () => {
    await data.put(table);
    specs.set('job-1', specNaming(`sha256:${hash}`));
    expect(await getData('job-1', hash)).toEqual(table);
  });

  it('answers NOT_FOUND for an unknown job and for data the job does not name, INVALID_ARGUMENT for a bad hash', async () => {
    specs.set('job-2', specNaming('data/local.csv'));
    await expect(getData('job-9', hash)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: 'job_id: no job "job-9"' });
    await expect(getData('job-2', hash)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: `sha256: job job-2 names no data sha256:${hash}` });
    await expect(getData('job-1', 'ABC')).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it('answers FAILED_PRECONDITION when the job names data its storage lost', async () => {
    const lost = 'e'.repeat(64);
    specs.set('job-3', specNaming(`sha256:${lost}`));
    await expect(getData('job-3', lost)).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
  });
});

describe('StoredData.localFiles', () => {
  it('copies the stored files a spec names into the cache, once, and leaves out what is not stored', async () => {
    await data.put(table);
    const spec = { family: 'csv', path: `sha256:${hash}`, taskColumn: 'city', target: 'price', kind: 'regression', shots: 1, queryShots: 5, normalize: true, testFraction: 0.2 } as const;
    const files = await data.localFiles(spec);
    expect([...files.keys()]).toEqual([`sha256:${hash}`]);
    expect(files.get(`sha256:${hash}`)).toBe(join(cacheDir, hash));
    expect(await data.localFiles({ ...spec, path: `sha256:${'d'.repeat(64)}` })).toEqual(new Map());
  });
});
