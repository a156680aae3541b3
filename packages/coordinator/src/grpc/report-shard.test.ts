import { encodeParams, paramsEqual, type ParamSet } from '@metatrain/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportShardHandler } from './report-shard';
import { toShardReport } from './report-sink';
import { grpc, MAX_CHUNK_BYTES, type ReportHeader, reportPayload, reportShard, type ReportShardRequest, type ReportShardResponse, ReportStatus, type TensorChunk, toTensorChunks, unstackBlockSums } from '@metatrain/contract';
import { PermissionDeniedError } from './grpc-errors';
import { FakeJobs, inSeconds, startWorkerService, type FakeJob, type WorkerServiceFixture } from './testing/worker-service-fixture';
import { randomParams } from './testing/random-params';

// 8 MiB + a bias: a block sum bigger than grpc-js's default 4 MiB message limit.
const layout = [
  { name: 'dense/kernel', shape: [1024, 1024] },
  { name: 'dense_1/kernel', shape: [1024, 1024] },
  { name: 'dense_1/bias', shape: [3] },
];
const ROUND = 3;

function header(overrides: Partial<ReportHeader> = {}): ReportHeader {
  const firstBlock = overrides.firstBlock ?? 0;
  const blockCount = overrides.blockCount ?? 1;
  return {
    jobId: 'job-1',
    firstBlock,
    blockCount,
    version: ROUND,
    workerId: 'worker-a',
    backend: 'wasm',
    // 6 tasks in blocks of 2: block b holds tasks 2b and 2b + 1.
    taskMetrics: Array.from({ length: 2 * blockCount }, (_, k) => ({ taskIndex: 2 * firstBlock + k, preLoss: 2.5, postLoss: 0.5, postAccuracy: 0.8, preAccuracy: 0.2 })),
    computeMs: 12,
    ...overrides,
  };
}

describe('ReportShard', () => {
  const jobs = new FakeJobs();
  let job: FakeJob;
  let service: WorkerServiceFixture;

  beforeAll(async () => {
    job = jobs.add('job-1', { version: ROUND, layout, metaBatchSize: 6, blockSize: 2 });
    // The limit leaves room for the 8 MiB sum but not for the oversized declaration below.
    service = await startWorkerService({
      getParameters: (call) => call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
      reportShard: reportShardHandler(jobs, { maxPayloadBytes: 16 * 1024 * 1024 }),
    });
  });

  afterAll(() => service?.close());

  /** Sends `messages` as they are, however malformed. */
  function sendRaw(messages: ReportShardRequest[]): Promise<ReportShardResponse> {
    return new Promise((resolve, reject) => {
      const call = service.client.reportShard({ deadline: inSeconds(30) }, (error, response) => (error ? reject(error) : resolve(response as ReportShardResponse)));
      for (const message of messages) call.write(message);
      call.end();
    });
  }

  const asHeader = (h: ReportHeader): ReportShardRequest => ({ payload: { $case: 'header', value: h } });
  const asChunk = (c: TensorChunk): ReportShardRequest => ({ payload: { $case: 'chunk', value: c } });
  const chunksOf = (sum: ParamSet): TensorChunk[] => toTensorChunks(encodeParams(sum));

  it('accepts a report bigger than 4 MiB, bit-exact, then answers DUPLICATE to the same report', async () => {
    const sum = randomParams(layout, 11);
    const reply = await reportShard(service.client, header(), [sum], inSeconds(30));
    expect(reply).toEqual({ status: ReportStatus.ACCEPTED, reason: '' });
    expect(job.tracker.missingBlocks()).toEqual([1, 2]);
    expect(job.tracker.has(0)).toBe(true);
    const received = job.reports.at(-1);
    // The block sums travel stacked: each parameter with a leading block axis.
    expect(received?.sum.map((p) => p.shape)).toEqual(layout.map((p) => [1, ...p.shape]));
    expect(paramsEqual(unstackBlockSums(received?.sum ?? [], 1)[0] ?? [], sum)).toBe(true);
    expect(received?.header).toMatchObject({ workerId: 'worker-a', backend: 'wasm', computeMs: 12, firstBlock: 0, blockCount: 1 });

    const again = await reportShard(service.client, header(), [sum], inSeconds(30));
    expect(again.status).toBe(ReportStatus.DUPLICATE);
    expect(again.reason).toMatch(/already accepted/);
    const other = await reportShard(service.client, header({ workerId: 'worker-b' }), [randomParams(layout, 12)], inSeconds(30));
    expect(other.status).toBe(ReportStatus.DUPLICATE);
  });

  it('carries the task metrics to the sink, absent accuracies staying absent', async () => {
    const taskMetrics = [{ taskIndex: 2, preLoss: 1.5, postLoss: 0.25 }, { taskIndex: 3, preLoss: 1, postLoss: 0.5, postAccuracy: 1 }];
    const reply = await reportShard(service.client, header({ firstBlock: 1, taskMetrics }), [randomParams(layout, 15)], inSeconds(30));
    expect(reply.status).toBe(ReportStatus.ACCEPTED);
    const received = job.reports.at(-1);
    expect(toShardReport(received!.header, received!.sum).metrics).toEqual([
      { task: 2, preLoss: 1.5, postLoss: 0.25 },
      { task: 3, preLoss: 1, postLoss: 0.5, postAccuracy: 1 },
    ]);
  });

  it('stops sending a large sum once the server has answered early', async () => {
    // The empty job id is refused after the header, while 8 MiB are still to be written.
    await expect(reportShard(service.client, header({ jobId: '' }), [randomParams(layout, 16)], inSeconds(30))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'header.job_id: must not be empty',
    });
  });

  it('answers STALE to a report for round r-1', async () => {
    const reply = await reportShard(service.client, header({ version: ROUND - 1, firstBlock: 2 }), [randomParams(layout, 13)], inSeconds(30));
    expect(reply.status).toBe(ReportStatus.STALE);
    expect(job.tracker.has(2)).toBe(false);
  });

  it('answers REJECTED, with the reason, to a sum holding NaN', async () => {
    const sum = randomParams(layout, 14);
    sum[2]!.values[1] = NaN;
    const reply = await reportShard(service.client, header({ firstBlock: 2 }), [sum], inSeconds(30));
    expect(reply).toEqual({ status: ReportStatus.REJECTED, reason: 'sum: "dense_1/bias" has a non-finite value (NaN) at element 1' });
    expect(job.tracker.has(2)).toBe(false);
  });

  it('carries several block sums in one payload, each kept bit for bit under its block', async () => {
    const small = [{ name: 'w', shape: [3, 2] }, { name: 'b', shape: [2] }];
    const two = jobs.add('job-2', { version: ROUND, layout: small, metaBatchSize: 6, blockSize: 2 });
    const sums = [randomParams(small, 21), randomParams(small, 22)];
    const reply = await reportShard(service.client, header({ jobId: 'job-2', firstBlock: 1, blockCount: 2 }), sums, inSeconds(30));
    expect(reply).toEqual({ status: ReportStatus.ACCEPTED, reason: '' });
    expect(two.tracker.missingBlocks()).toEqual([0]);
    // Blocks 0..1 from another grouping: only block 0 is new.
    const overlapping = await reportShard(service.client, header({ jobId: 'job-2', blockCount: 2 }), [randomParams(small, 23), randomParams(small, 24)], inSeconds(30));
    expect(overlapping.status).toBe(ReportStatus.ACCEPTED);
    const held = two.tracker.complete();
    expect(paramsEqual(held[1]?.sum ?? [], sums[0]!)).toBe(true);
    expect(paramsEqual(held[2]?.sum ?? [], sums[1]!)).toBe(true);
    expect(held.map((b) => b.metrics.map((m) => m.task))).toEqual([[0, 1], [2, 3], [4, 5]]);
    // A header claiming more blocks than the payload holds is refused, naming the fields.
    const job3 = jobs.add('job-3', { version: ROUND, layout: small, metaBatchSize: 6, blockSize: 2 });
    const short = await reportShard(service.client, header({ jobId: 'job-3', blockCount: 3 }), sums, inSeconds(30));
    expect(short).toEqual({ status: ReportStatus.REJECTED, reason: 'sum: parameter 0 is "w" [2, 3, 2], expected "w" [3, 3, 2]: block_count (3) sums of the job\'s "w" [3, 2]' });
    expect(job3.tracker.missingBlocks()).toEqual([0, 1, 2]);
  });

  it('answers NOT_FOUND for an unknown job', async () => {
    await expect(reportShard(service.client, header({ jobId: 'ghost' }), [randomParams(layout)], inSeconds(30))).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
      details: 'header.job_id: no job "ghost"',
    });
  });

  const small = randomParams([{ name: 'w', shape: [600_000] }], 5); // 2.4 MB: 3 chunks
  const good = chunksOf(small);
  const oversized = { ...good[0]!, data: new Uint8Array(MAX_CHUNK_BYTES + 4) };
  const hugeDeclared = { ...good[0]!, totalBytes: 64 * 1024 * 1024 };

  it.each<[string, ReportShardRequest[], string]>([
    ['a chunk before the header', [asChunk(good[0]!), asHeader(header())], 'header: missing: the first message of a report must be its header'],
    ['no header at all', [], 'header: missing: the stream ended without one'],
    ['a second header', [asHeader(header()), asHeader(header())], 'header: sent twice'],
    ['an empty job id', [asHeader(header({ jobId: '' }))], 'header.job_id: must not be empty'],
    ['an empty message', [asHeader(header()), { payload: undefined }], 'payload: empty message'],
    ['no chunks', [asHeader(header())], 'chunk: missing'],
    ['chunks out of order', [asHeader(header()), asChunk(good[0]!), asChunk(good[2]!), asChunk(good[1]!)], 'chunk 2: out of order, expected chunk 1'],
    ['a missing last chunk', [asHeader(header()), asChunk(good[0]!), asChunk(good[1]!)], 'chunks: missing chunks 2..2 of 3'],
    ['a bad checksum', [asHeader(header()), ...good.map((c, i) => asChunk(i === 0 ? { ...c, checksum: 'ab'.repeat(32) } : c))], 'checksum: mismatch'],
    ['chunk 0 without a layout', [asHeader(header()), asChunk({ ...good[0]!, layout: undefined })], 'chunk[0].layout: missing'],
    ['a layout in a later chunk', [asHeader(header()), asChunk(good[0]!), asChunk({ ...good[1]!, layout: good[0]!.layout })], 'chunk[1].layout: set, but only chunk 0'],
    ['a chunk over 1 MiB', [asHeader(header()), asChunk(oversized)], `chunk[0].data: ${MAX_CHUNK_BYTES + 4} bytes exceed the limit`],
    ['a declared size over the limit', [asHeader(header()), asChunk(hugeDeclared)], 'chunk 0: declared 67108864 bytes exceed the limit of 16777216 bytes'],
  ])('answers INVALID_ARGUMENT to %s and keeps serving', async (_what, messages, details) => {
    const reportsBefore = job.reports.length;
    await expect(sendRaw(messages)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining(details) });
    expect(job.reports).toHaveLength(reportsBefore); // a broken stream never reaches the sink
    const stale = await reportShard(service.client, header({ version: ROUND - 1 }), [small], inSeconds(30));
    expect(stale.status).toBe(ReportStatus.STALE);
  });
});

describe('ReportShard with a sink that hears of unreadable reports', () => {
  const jobs = new FakeJobs();
  const unreadable: Array<[string, string]> = [];
  let service: WorkerServiceFixture;

  beforeAll(async () => {
    jobs.add('job-1', { version: ROUND, layout, metaBatchSize: 6, blockSize: 2 });
    const sink = {
      reportShard: (h: ReportHeader, sum: ParamSet) => jobs.reportShard(h, sum),
      reportEval: () => 'STALE' as const,
      reportUnreadable: (h: ReportHeader, reason: string) => {
        unreadable.push([h.workerId, reason]);
        if (h.workerId === 'banned') throw new PermissionDeniedError('header.worker_id', 'worker banned is quarantined');
      },
    };
    service = await startWorkerService({ getParameters: (call) => call.emit('error', { code: grpc.status.UNIMPLEMENTED }), reportShard: reportShardHandler(sink) });
  });

  afterAll(() => service?.close());

  it('tells the sink about a sum that fails its checksum, and answers what the sink says', async () => {
    const chunks = toTensorChunks(encodeParams(randomParams(layout.slice(2), 3)));
    const corrupted = chunks.map((c, i) => (i === 0 ? { ...c, checksum: 'ab'.repeat(32) } : c));
    await expect(reportPayload(service.client, header(), corrupted, inSeconds(30))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(reportPayload(service.client, header({ workerId: 'banned' }), corrupted, inSeconds(30))).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: 'header.worker_id: worker banned is quarantined',
    });
    expect(unreadable).toEqual([
      ['worker-a', expect.stringContaining('checksum: mismatch')],
      ['banned', expect.stringContaining('checksum: mismatch')],
    ]);
  });
});
