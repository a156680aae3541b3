import { DecodeError, encodeParams, paramsEqual, type ParamSet } from '@metatrain/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getParametersHandler } from './get-parameters';
import { fetchParameters, type GetParametersResponse, grpc, MAX_CHUNK_BYTES, type TensorChunk, toTensorChunks } from '@metatrain/contract';
import { FakeJobs, inSeconds, startWorkerService, type WorkerServiceFixture } from './testing/worker-service-fixture';
import { randomParams } from './testing/random-params';

// Two 1024×1024 float32 layers: 8 MiB, twice grpc-js's default 4 MiB message limit.
const bigLayout = [
  { name: 'dense/kernel', shape: [1024, 1024] },
  { name: 'dense_1/kernel', shape: [1024, 1024] },
  { name: 'dense_1/bias', shape: [3] },
];
const big = randomParams(bigLayout, 7);

describe('GetParameters', () => {
  const jobs = new FakeJobs();
  const internalErrors: unknown[] = [];
  let service: WorkerServiceFixture;

  beforeAll(async () => {
    jobs.add('job-big', { version: 2, layout: bigLayout, metaBatchSize: 4, blockSize: 2, versions: new Map([[2, big]]) });
    const source = {
      getParameters: (jobId: string, version: number): ParamSet | undefined => {
        if (jobId === 'explodes') throw new Error('disk on fire');
        return jobs.getParameters(jobId, version);
      },
    };
    service = await startWorkerService({
      getParameters: getParametersHandler(source, { onInternalError: (e) => internalErrors.push(e) }),
      reportShard: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
    });
  });

  afterAll(() => service?.close());

  function rawChunks(jobId: string, version: number): Promise<TensorChunk[]> {
    return new Promise((resolve, reject) => {
      const got: TensorChunk[] = [];
      const call = service.client.getParameters({ jobId, version }, { deadline: inSeconds(30) });
      call.on('data', (m: GetParametersResponse) => m.chunk && got.push(m.chunk));
      call.on('error', reject);
      call.on('end', () => resolve(got));
    });
  }

  it('streams parameters larger than 4 MiB in ≤ 1 MiB chunks that arrive bit-exact', async () => {
    const fetched = await fetchParameters(service.client, 'job-big', 2, inSeconds(30));
    expect(paramsEqual(fetched, big)).toBe(true);
    expect(fetched.map((p) => p.shape)).toEqual([[1024, 1024], [1024, 1024], [3]]);
  });

  it('puts layout, total_bytes and checksum in chunk 0 only', async () => {
    const chunks = await rawChunks('job-big', 2);
    const expected = encodeParams(big);
    expect(chunks).toHaveLength(9); // 8 MiB + 12 bytes
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(chunks.every((c) => c.total === 9 && c.data.length <= MAX_CHUNK_BYTES)).toBe(true);
    expect(chunks[0]?.layout?.entries.map((e) => e.name)).toEqual(bigLayout.map((p) => p.name));
    expect(chunks[0]?.totalBytes).toBe(expected.bytes.length);
    expect(chunks[0]?.checksum).toBe(expected.checksum);
    expect(chunks.slice(1).every((c) => c.layout === undefined && c.checksum === '' && c.totalBytes === 0)).toBe(true);
  });

  it('stops streaming when the client cancels, and keeps serving', async () => {
    const cancelled = await new Promise<number>((resolve) => {
      let seen = 0;
      const call = service.client.getParameters({ jobId: 'job-big', version: 2 }, { deadline: inSeconds(30) });
      call.on('data', () => {
        seen += 1;
        if (seen === 1) call.cancel();
      });
      call.on('error', (error: { code: number }) => resolve(error.code));
    });
    expect(cancelled).toBe(grpc.status.CANCELLED);
    expect(paramsEqual(await fetchParameters(service.client, 'job-big', 2, inSeconds(30)), big)).toBe(true);
  });

  it('answers NOT_FOUND for an unknown job and FAILED_PRECONDITION for a version not held', async () => {
    await expect(fetchParameters(service.client, 'nope', 0, inSeconds(10))).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: 'job_id: no job "nope"',
    });
    await expect(fetchParameters(service.client, 'job-big', 3, inSeconds(10))).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: 'version: job "job-big" does not hold parameter version 3',
    });
  });

  it('answers INVALID_ARGUMENT for an empty job id', async () => {
    await expect(fetchParameters(service.client, '', 0, inSeconds(10))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'job_id: must not be empty',
    });
  });

  it('turns a failing source into INTERNAL, reports it, and keeps serving', async () => {
    await expect(fetchParameters(service.client, 'explodes', 0, inSeconds(10))).rejects.toMatchObject({
      code: grpc.status.INTERNAL,
      details: 'internal error: disk on fire',
    });
    expect(internalErrors).toEqual([expect.objectContaining({ message: 'disk on fire' })]);
    expect(paramsEqual(await fetchParameters(service.client, 'job-big', 2, inSeconds(30)), big)).toBe(true);
  });
});

describe('fetchParameters against a broken server', () => {
  const small = randomParams([{ name: 'w', shape: [700_000] }], 3); // 2.8 MB: 3 chunks
  const good = toTensorChunks(encodeParams(small));
  const streams: Record<string, TensorChunk[]> = {
    'out-of-order': [good[0], good[2], good[1]] as TensorChunk[],
    'bad-checksum': good.map((c, i) => (i === 0 ? { ...c, checksum: 'ab'.repeat(32) } : c)),
    truncated: good.slice(0, 2),
  };
  let service: WorkerServiceFixture;

  beforeAll(async () => {
    service = await startWorkerService({
      getParameters: (call) => {
        if (call.request.jobId === 'hang') return; // never answers: only the deadline ends it
        for (const chunk of streams[call.request.jobId] ?? []) call.write({ chunk });
        call.end();
      },
      reportShard: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED }),
    });
  });

  afterAll(() => service?.close());

  it.each([
    ['out-of-order', 'chunk 2: out of order, expected chunk 1'],
    ['bad-checksum', 'checksum: mismatch'],
    ['truncated', 'chunks: missing chunks 2..2 of 3'],
  ])('rejects a %s stream with a DecodeError', async (jobId, message) => {
    const fetching = fetchParameters(service.client, jobId, 0, inSeconds(10));
    await expect(fetching).rejects.toBeInstanceOf(DecodeError);
    await expect(fetching).rejects.toThrow(message);
  });

  it('gives up at the deadline', async () => {
    await expect(fetchParameters(service.client, 'hang', 0, Date.now() + 300)).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
  });
});
