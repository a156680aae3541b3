import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodeError } from '@metatrain/core';
import {
  DataType,
  fetchData,
  GetParametersResponse,
  grpc,
  ReportHeader,
  ReportShardRequest,
  ReportShardResponse,
  ReportStatus,
  TensorChunk,
  toFileChunks,
  WorkerServiceClient,
  WorkerServiceServer,
  WorkerServiceService,
} from './index';

const CHUNK = 64 * 1024;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const deadline = (): Date => new Date(Date.now() + 10_000);

function toChunks(payload: Uint8Array, layoutName: string): TensorChunk[] {
  const total = Math.max(1, Math.ceil(payload.length / CHUNK));
  return Array.from({ length: total }, (_, index) =>
    TensorChunk.create({
      layout: index === 0 ? { entries: [{ name: layoutName, shape: [payload.length / 4], dtype: DataType.FLOAT32 }] } : undefined,
      data: payload.subarray(index * CHUNK, (index + 1) * CHUNK),
      index,
      total,
      totalBytes: index === 0 ? payload.length : 0,
      checksum: index === 0 ? sha256(payload) : '',
    }),
  );
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

interface Report {
  header: ReportHeader;
  chunks: TensorChunk[];
}

/** Echo server: ReportShard stores the report, GetParameters streams its payload back, ReportEval echoes its task count, GetData serves `files`. */
function echoService(stored: Map<string, Report>, files: Map<string, Uint8Array>): WorkerServiceServer {
  return {
    registerWorker: (_call, cb) => cb(null, { leaseMs: 30_000, heartbeatIntervalMs: 5_000, quarantined: false, quarantineReason: '' }),
    heartbeat: (_call, cb) => cb(null, { registered: true, leaseMs: 30_000, quarantined: false, quarantineReason: '' }),
    reportShard: (call, cb) => {
      let header: ReportHeader | undefined;
      const chunks: TensorChunk[] = [];
      call.on('data', (msg: ReportShardRequest) => {
        if (msg.payload?.$case === 'header') header = msg.payload.value;
        else if (msg.payload?.$case === 'chunk') chunks.push(msg.payload.value);
      });
      call.on('end', () => {
        if (header === undefined) {
          cb({ code: grpc.status.INVALID_ARGUMENT, details: 'header: missing' });
          return;
        }
        stored.set(header.jobId, { header, chunks });
        cb(null, { status: ReportStatus.ACCEPTED, reason: sha256(concat(chunks.map((c) => c.data))) });
      });
    },
    reportEval: (call, cb) => cb(null, { status: ReportStatus.ACCEPTED, reason: `${call.request.taskMetrics.length} tasks of version ${call.request.version}` }),
    getParameters: (call) => {
      const chunks = stored.get(call.request.jobId)?.chunks;
      if (!chunks) {
        call.emit('error', { code: grpc.status.NOT_FOUND, details: `job_id: no job ${call.request.jobId}` });
        return;
      }
      for (const chunk of chunks) call.write({ chunk });
      call.end();
    },
    getData: (call) => {
      const bytes = files.get(call.request.sha256);
      if (!bytes) {
        call.emit('error', { code: grpc.status.NOT_FOUND, details: `sha256: job ${call.request.jobId} names no such data` });
        return;
      }
      for (const chunk of toFileChunks(bytes)) call.write({ chunk });
      call.end();
    },
  };
}

describe('WorkerService over grpc-js', () => {
  const stored = new Map<string, Report>();
  const files = new Map<string, Uint8Array>();
  let server: grpc.Server;
  let client: WorkerServiceClient;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(WorkerServiceService, echoService(stored, files));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    client = new WorkerServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
  });

  function report(jobId: string, chunks: TensorChunk[]): Promise<ReportShardResponse> {
    return new Promise((resolve, reject) => {
      const call = client.reportShard({ deadline: deadline() }, (err, res) => (err ? reject(err) : resolve(res)));
      call.write({
        payload: {
          $case: 'header',
          value: {
            jobId,
            firstBlock: 1,
            blockCount: 2,
            version: 3,
            workerId: 'w1',
            backend: 'cpu',
            taskMetrics: [{ taskIndex: 5, preLoss: 2.5, postLoss: 0.5, postAccuracy: 0.8 }],
            computeMs: 12.5,
          },
        },
      });
      for (const chunk of chunks) call.write({ payload: { $case: 'chunk', value: chunk } });
      call.end();
    });
  }

  function fetchParameters(jobId: string): Promise<TensorChunk[]> {
    return new Promise((resolve, reject) => {
      const got: TensorChunk[] = [];
      const call = client.getParameters({ jobId, version: 3 }, { deadline: deadline() });
      call.on('data', (msg: GetParametersResponse) => msg.chunk && got.push(msg.chunk));
      call.on('error', reject);
      call.on('end', () => resolve(got));
    });
  }

  it('round-trips a multi-chunk payload bit for bit through ReportShard and GetParameters', async () => {
    const payload = new Uint8Array(randomBytes(5 * CHUNK + 12));
    const reply = await report('job-a', toChunks(payload, 'dense/kernel'));
    expect(reply.status).toBe(ReportStatus.ACCEPTED);
    expect(reply.reason).toBe(sha256(payload));
    const header = stored.get('job-a')?.header;
    expect(header).toMatchObject({ jobId: 'job-a', version: 3, firstBlock: 1, blockCount: 2, computeMs: 12.5 });
    // proto3 `optional` keeps presence: an unset accuracy stays undefined, not 0.
    expect(header?.taskMetrics).toEqual([{ taskIndex: 5, preLoss: 2.5, postLoss: 0.5, postAccuracy: 0.8 }]);
    expect(header?.taskMetrics[0]?.preAccuracy).toBeUndefined();

    const chunks = await fetchParameters('job-a');
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(chunks.every((c) => c.total === 6 && c.data.length <= CHUNK)).toBe(true);
    const first = chunks[0];
    expect(first?.layout?.entries).toEqual([{ name: 'dense/kernel', shape: [payload.length / 4], dtype: DataType.FLOAT32 }]);
    expect(first?.totalBytes).toBe(payload.length);
    expect(first?.checksum).toBe(sha256(payload));
    expect(Buffer.compare(concat(chunks.map((c) => c.data)), payload)).toBe(0);
  });

  it('round-trips a data file bit for bit through GetData, and refuses one over the limit or with another checksum', async () => {
    const bytes = new Uint8Array(randomBytes(2 * CHUNK + 3));
    const hash = sha256(bytes);
    files.set(hash, bytes);
    const got = await fetchData(client, 'job-a', hash, Date.now() + 10_000, 3 * CHUNK);
    expect(Buffer.compare(got, bytes)).toBe(0);
    await expect(fetchData(client, 'job-a', hash, Date.now() + 10_000, CHUNK)).rejects.toThrow(new DecodeError(`chunk 0: declared ${bytes.length} bytes exceed the limit of ${CHUNK} bytes`));
    files.set('0'.repeat(64), bytes);
    await expect(fetchData(client, 'job-a', '0'.repeat(64), Date.now() + 10_000, 3 * CHUNK)).rejects.toThrow(`sha256: asked for ${'0'.repeat(64)}, the coordinator sent ${hash}`);
    await expect(fetchData(client, 'job-a', 'f'.repeat(64), Date.now() + 10_000, CHUNK)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('surfaces a server-side status to the client', async () => {
    await expect(fetchParameters('no-such-job')).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: 'job_id: no job no-such-job',
    });
  });
});
