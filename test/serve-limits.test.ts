import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServeServer } from '@metatrain/serve';
import { SINE_SPEC, writeTrainedExport } from '@metatrain/serve/testing';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3TestServer, startS3Server, uniqueBucket } from './support/s3-server';

let dir: string;
let sineRun: string;
let s3: S3TestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-serve-limits-'));
  [sineRun, s3] = await Promise.all([writeTrainedExport(dir, SINE_SPEC, 2), startS3Server()]);
}, 120_000);
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

const task = { support: { inputs: [0, 1, 2], targets: [0, 0.8, 0.9] }, query: { inputs: [0.5] } };

const post = async (base: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  // 401 comes from the HTTP port itself, as plain text.
  return { status: response.status, headers: response.headers, json: (response.status === 401 ? { error: text } : JSON.parse(text)) as Record<string, unknown> };
};

describe('metatrain serve under load and with credentials', () => {
  it('answers 503 with Retry-After when the queue is full, and 504 past the deadline', async () => {
    // One thread, busy with a long adaptation; a long batch window keeps the next request queued, so the queue (1) is full.
    await using server = await asyncDisposable(ServeServer.create([sineRun], { host: '127.0.0.1', port: 0, threads: 1, batchWindowMs: 1000, queueLimit: 1, deadlineMs: 400, maxExamples: 100_000 }));
    const base = `http://${server.address}`;
    const many = Array.from({ length: 2000 }, (_, i) => (i % 100) / 20);
    const long = post(base, '/v1/models/sine:predict', { support: { inputs: many, targets: many.map(Math.sin) }, query: { inputs: [0.5] }, steps: 100 });
    await new Promise((r) => setTimeout(r, 50));
    const queued = post(base, '/v1/models/sine:predict', task);
    await new Promise((r) => setTimeout(r, 50));
    const refused = await post(base, '/v1/models/sine:predict', task);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.json.error).toBe('busy: 1 requests are waiting (the limit); retry shortly');
    expect(await queued).toMatchObject({ status: 504, json: { error: 'deadline: not answered within 400 ms (SERVE_DEADLINE_MS)' } });
    expect([200, 504]).toContain((await long).status);
  }, 60_000);

  it('serves an export from S3 and asks for the bearer token', async () => {
    const bucket = uniqueBucket('serve');
    const { hostname, port } = new URL(s3.endpoint);
    const minio = new Client({ endPoint: hostname, port: Number(port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey });
    await minio.makeBucket(bucket);
    for (const file of ['model.json', 'weights.bin', 'meta.json']) await minio.putObject(bucket, `jobs/sine-abc123/export/${file}`, await readFile(join(sineRun, 'export', file)));
    const env = { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey };
    await using server = await asyncDisposable(ServeServer.create([`s3://${bucket}/jobs/sine-abc123`], { host: '127.0.0.1', port: 0, threads: 1, token: 'sesame' }, env));
    const base = `http://${server.address}`;
    expect((await post(base, '/v1/models/sine-abc123:predict', task)).status).toBe(401);
    const models = await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer sesame' } });
    expect(((await models.json()) as { models: Array<{ name: string; location: string }> }).models[0]).toMatchObject({ name: 'sine-abc123', location: expect.stringContaining(`s3://${bucket}/jobs/sine-abc123/export/`) });
    const answered = await post(base, '/v1/models/sine-abc123:predict', task, { authorization: 'Bearer sesame' });
    expect(answered.status).toBe(200);
    expect(answered.json.predictions).toHaveLength(1);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 60_000);

  it('refuses a source without an export, naming it', async () => {
    await expect(ServeServer.create([dir], { port: 0, threads: 1 })).rejects.toThrow(`${dir} holds no export (no meta.json, nor export/meta.json); train the job to the end first`);
  });
});

/** `await using` for a server that is still being created. */
async function asyncDisposable(created: Promise<ServeServer>): Promise<ServeServer & AsyncDisposable> {
  const server = await created;
  return Object.assign(server, { [Symbol.asyncDispose]: () => server.close() });
}
