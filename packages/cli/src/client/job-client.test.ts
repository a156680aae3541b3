import { sha256Hex } from '@metatrain/core';
import { FileReceiver, grpc, type Job, type JobEvent, type JobServiceServer, JobServiceService, JobState, type UploadDataRequest } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliFailure } from '../cli-errors';
import { receiveExport } from '../jobs/export-files';
import { watchUntilDone } from '../jobs/watch-job';
import { JobClient } from './job-client';

// The client against a real grpc-js server on 127.0.0.1:0 that plays the coordinator.

const job = (id: string, state: JobState, roundsCompleted = 0): Job => ({
  id,
  name: id.split('-')[0] ?? id,
  algorithm: 'maml',
  taskFamily: 'sinusoid',
  state,
  roundsCompleted,
  totalRounds: 3,
  createdAtMs: 1,
  updatedAtMs: 2,
  error: state === JobState.FAILED ? 'worker exploded' : '',
  lastMetaLoss: roundsCompleted > 0 ? 0.5 : undefined,
  spec: '',
  pool: 'default',
  backend: 'wasm',
});
const stateEvent = (jobId: string, state: JobState): JobEvent => ({ jobId, timeMs: 0, kind: { $case: 'stateChanged', value: { state, error: '' } } });
const roundEvent = (jobId: string, round: number): JobEvent => ({
  jobId,
  timeMs: 0,
  kind: { $case: 'roundCompleted', value: { round, tasks: 5, metaLoss: 1, preLoss: 1, postLoss: 1, outerLr: 0.001, tasksPerSecond: 10, roundMs: 5, workers: 1, backends: ['wasm'] } },
});

/** Jobs of the fake coordinator: the watch history each one replays and the state GetJob reports at the end. */
const JOBS: Record<string, { events: JobEvent[]; final: JobState; hang?: boolean }> = {
  'good-1': { events: [stateEvent('good-1', JobState.RUNNING), roundEvent('good-1', 0), roundEvent('good-1', 1), roundEvent('good-1', 2), stateEvent('good-1', JobState.SUCCEEDED)], final: JobState.SUCCEEDED },
  'bad-1': { events: [stateEvent('bad-1', JobState.RUNNING), roundEvent('bad-1', 0), stateEvent('bad-1', JobState.FAILED)], final: JobState.FAILED },
  'cut-1': { events: [stateEvent('cut-1', JobState.RUNNING)], final: JobState.RUNNING },
  'slow-1': { events: [stateEvent('slow-1', JobState.RUNNING)], final: JobState.RUNNING, hang: true },
};

const weights = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 256);
const seen = { authorization: [] as string[], deadlines: [] as number[], cancelledWatches: 0, pages: [] as string[] };
let server: grpc.Server;
let address: string;

function notFound(jobId: string) {
  return { code: grpc.status.NOT_FOUND, details: `job_id: no job "${jobId}"` };
}

const handlers: JobServiceServer = {
  uploadData: (call, callback) => {
    const receiver = new FileReceiver(4 * 1024 * 1024);
    call.on('data', (message: UploadDataRequest) => {
      if (message.chunk?.index === 0 && message.chunk.sizeBytes > 3 * 1024 * 1024) callback({ code: grpc.status.INVALID_ARGUMENT, details: `chunk.size_bytes: ${message.chunk.sizeBytes} bytes is above this coordinator's limit` });
      else if (message.chunk) receiver.push(message.chunk);
    });
    call.on('end', () => {
      const { bytes, sha256 } = receiver.finish();
      callback(null, { reference: `sha256:${sha256}`, sizeBytes: bytes.length });
    });
  },
  submitJob: (call, callback) => {
    if (call.request.spec.includes('bad')) callback({ code: grpc.status.INVALID_ARGUMENT, details: 'invalid spec:\n  tasks.shots: must be positive' });
    else callback(null, { jobId: 'good-1', job: job('good-1', JobState.QUEUED) });
  },
  getJob: (call, callback) => {
    seen.authorization.push(String(call.metadata.get('authorization')[0] ?? ''));
    const deadline = call.getDeadline();
    seen.deadlines.push((deadline instanceof Date ? deadline.getTime() : deadline) - Date.now());
    const entry = JOBS[call.request.jobId];
    if (!entry) return callback(notFound(call.request.jobId));
    if (entry.hang) return; // never answers: the client's deadline must end the call
    callback(null, { job: job(call.request.jobId, entry.final, entry.final === JobState.SUCCEEDED ? 3 : 1) });
  },
  listJobs: (call, callback) => {
    seen.pages.push(call.request.pageToken);
    const all = Array.from({ length: 5 }, (_, i) => job(`j${i}-x`, JobState.RUNNING));
    const from = Number(call.request.pageToken || '0');
    const size = Math.min(call.request.pageSize, 2); // a server with a smaller page limit
    callback(null, { jobs: all.slice(from, from + size), nextPageToken: from + size < all.length ? String(from + size) : '' });
  },
  cancelJob: (call, callback) => callback({ code: grpc.status.FAILED_PRECONDITION, details: `job_id: job ${call.request.jobId} already SUCCEEDED` }),
  watchJob: (call) => {
    const entry = JOBS[call.request.jobId];
    if (!entry) return call.emit('error', notFound(call.request.jobId));
    call.on('cancelled', () => (seen.cancelledWatches += 1));
    for (const event of entry.events) call.write({ event });
    if (!entry.hang) call.end();
  },
  exportModel: (call) => {
    const file = (fileName: string, bytes: Uint8Array, chunk: number) => {
      const total = Math.ceil(bytes.length / chunk);
      for (let index = 0; index < total; index++) {
        call.write({ fileName, data: bytes.subarray(index * chunk, (index + 1) * chunk), index, total, sizeBytes: index === 0 ? bytes.length : 0, checksum: index === 0 ? sha256Hex(bytes) : '' });
      }
    };
    file('model.json', new TextEncoder().encode('{}'), 1024);
    file('weights.bin', weights, 1024);
    file('meta.json', new TextEncoder().encode('{"format":"metatrain-export/v1"}'), 1024);
    call.end();
  },
  adapt: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'not here' }),
  listWorkers: (call, callback) => {
    if (call.metadata.get('authorization')[0] !== 'Bearer s3cret') return callback({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong bearer token' });
    callback(null, { workers: [] });
  },
};

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(JobServiceService, handlers);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  address = `127.0.0.1:${port}`;
});
afterAll(() => server?.forceShutdown());

async function withClient<T>(fn: (client: JobClient) => Promise<T>, options: { token?: string; deadlineMs?: number } = {}): Promise<T> {
  const client = JobClient.create({ address, ...options });
  try {
    return await fn(client);
  } finally {
    client.close();
    client.close(); // idempotent
  }
}

async function failure(promise: Promise<unknown>): Promise<{ message: string; exitCode: number }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CliFailure)) throw new Error(`expected a CliFailure, got ${String(err)}`);
  return { message: err.message, exitCode: err.exitCode };
}

describe('JobClient', () => {
  it('sends the bearer token when there is one, and a deadline on every unary call', async () => {
    await withClient((c) => c.getJob('good-1'), { token: 's3cret' });
    await withClient((c) => c.getJob('good-1'));
    expect(seen.authorization.slice(-2)).toEqual(['Bearer s3cret', '']);
    expect(seen.deadlines.slice(-2).every((ms) => ms > 5_000 && ms <= 10_000)).toBe(true);
    expect(await withClient((c) => c.listWorkers(), { token: 's3cret' })).toEqual([]);
    expect(await failure(withClient((c) => c.listWorkers()))).toEqual({
      message: `the coordinator at ${address} refused the request (missing or wrong bearer token); set METATRAIN_TOKEN to the coordinator’s token`,
      exitCode: 1,
    });
  });

  it('turns status codes into one line with the exit code', async () => {
    expect(await failure(withClient((c) => c.getJob('nope')))).toEqual({ message: 'no job "nope"', exitCode: 1 });
    expect(await failure(withClient((c) => c.submitJob('bad spec')))).toEqual({ message: 'invalid spec:\n  tasks.shots: must be positive', exitCode: 2 });
    expect(await failure(withClient((c) => c.cancelJob('good-1', 'why')))).toEqual({ message: 'job good-1 already SUCCEEDED', exitCode: 1 });
    const late = await failure(withClient((c) => c.getJob('slow-1'), { deadlineMs: 1000 }));
    expect(late.exitCode).toBe(1);
    expect(late.message.startsWith(`the coordinator at ${address} did not answer within 1 s (`)).toBe(true);
  });

  it('follows ListJobs pages to the end', async () => {
    seen.pages.length = 0;
    expect((await withClient((c) => c.listJobs())).map((j) => j.id)).toEqual(['j0-x', 'j1-x', 'j2-x', 'j3-x', 'j4-x']);
    expect(seen.pages).toEqual(['', '2', '4']);
  });

  it('says it cannot reach a coordinator that is not there', async () => {
    const closed = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) => closed.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    closed.forceShutdown();
    const client = JobClient.create({ address: `127.0.0.1:${port}` });
    try {
      const f = await failure(client.getJob('x'));
      expect(f.exitCode).toBe(1);
      expect(f.message).toMatch(new RegExp(`^cannot reach the coordinator at 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\); is it running\\?`));
    } finally {
      client.close();
    }
  });

  it('uploads a data file in chunks and returns the name the coordinator gives it; a refusal is one line', async () => {
    const client = JobClient.create({ address });
    const data = Uint8Array.from({ length: 2 * 1024 * 1024 + 7 }, (_, i) => (i * 13) % 251);
    expect(await client.uploadData(data)).toBe(`sha256:${sha256Hex(data)}`);
    const tooBig = new Uint8Array(3 * 1024 * 1024 + 1);
    await expect(client.uploadData(tooBig)).rejects.toThrow(/size_bytes: 3145729 bytes is above this coordinator's limit/);
    client.close();
  });

  it('streams an export whose files arrive whole and verified', async () => {
    const files = await withClient((c) => receiveExport(c.exportModel('good-1')));
    expect([...files.keys()]).toEqual(['model.json', 'weights.bin', 'meta.json']);
    expect(files.get('weights.bin')).toEqual(weights);
  });

  it('cancels a watch when its signal aborts, quietly', async () => {
    const before = seen.cancelledWatches;
    const controller = new AbortController();
    const got: JobEvent[] = [];
    await withClient(async (c) => {
      for await (const event of c.watchJob('slow-1', controller.signal)) {
        got.push(event);
        controller.abort();
      }
    });
    expect(got).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.cancelledWatches).toBe(before + 1);
  });
});

describe('watchUntilDone', () => {
  const sink = () => {
    const lines: string[] = [];
    return { lines, options: { summaryTo: (line: string) => lines.push(line), progressStream: { write: (s: string) => lines.push(s.trimEnd()) } } };
  };

  it('exits 0 when the job succeeds, with a summary of the final state', async () => {
    const { lines, options } = sink();
    expect(await withClient((c) => watchUntilDone(c, 'good-1', options))).toBe(0);
    expect(lines.at(-1)).toBe('job good-1 SUCCEEDED: round 3/3, meta-loss 0.5000');
    expect(lines.some((l) => l.startsWith('good 3/3 100%'))).toBe(true);
  });

  it('exits 1 when the job fails, with its error', async () => {
    const { lines, options } = sink();
    expect(await withClient((c) => watchUntilDone(c, 'bad-1', options))).toBe(1);
    expect(lines.at(-1)).toBe('job bad-1 FAILED: round 1/3, meta-loss 0.5000: worker exploded');
  });

  it('fails when the stream ends before the job does, and for an unknown job', async () => {
    const { options } = sink();
    expect((await failure(withClient((c) => watchUntilDone(c, 'cut-1', options)))).message).toBe(
      `the coordinator at ${address} ended the watch of job cut-1 before it finished (it is RUNNING); run 'metatrain watch cut-1' again`,
    );
    expect(await failure(withClient((c) => watchUntilDone(c, 'nope', options)))).toEqual({ message: 'no job "nope"', exitCode: 1 });
  });
});
