import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Store } from '@metatrain/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Test-only: certificates made with openssl, and raw Redis reads (test/ cannot import ioredis).
import { snapshotKeys } from '@metatrain/coordinator/testing';
import { makeTestCertificates, type TestCertificates } from '@metatrain/contract/testing';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { type CliResult, runCli } from '../support/run-cli';
import { startS3Server, uniqueBucket, type S3TestServer } from '../support/s3-server';
import { type CoordinatorProcess, startCoordinatorProcess, startCoordinatorUntil } from '../support/services';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

// The whole system with every credential set: a bearer token, TLS with worker client
// certificates, Redis behind a password, S3 with keys of this run's own. A job runs end to
// end through coordinator, worker and CLI processes; then every log line, every Redis key and
// value, every object in the bucket and every exported file is searched for the secrets.

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');
const TOKEN = `tok-${secret(18)}`;
const REDIS_PASSWORD = `redis-${secret(18)}`;
const ACCESS_KEY = `AK${randomBytes(9).toString('hex').toUpperCase()}`;
const SECRET_KEY = `sk-${secret(27)}`;
const SECRETS = { TOKEN, REDIS_PASSWORD, ACCESS_KEY, SECRET_KEY };

const SPEC = `name: secretive
algorithm: maml
model: { kind: mlp, hidden: [16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
outer: { lr: 0.003, metaBatchSize: 4, iterations: 12 }
shardSize: 2
checkpoint: { everyRounds: 4, keep: 2 }
seed: 5
`;

let dir: string;
let certs: TestCertificates;
let redis: RedisTestServer;
let s3: S3TestServer;
let bucket: string;
let coordinator: CoordinatorProcess;
let worker: WorkerProcess;
let address: string;
const cliRuns: CliResult[] = [];

const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const result = await runCli([...args, '--coordinator', address], { METATRAIN_TOKEN: TOKEN, METATRAIN_TLS_CA: certs.caCert, ...env });
  cliRuns.push(result);
  return result;
};

/** Which secrets `text` contains, by name. */
function leaked(text: string): string[] {
  return Object.entries(SECRETS).flatMap(([name, value]) => (text.includes(value) ? [name] : []));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-credentials-'));
  [certs, redis, s3] = await Promise.all([makeTestCertificates(), startRedisServer({ private: true, password: REDIS_PASSWORD }), startS3Server({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY })]);
  bucket = uniqueBucket('credentials');
  coordinator = await startCoordinatorProcess({
    REDIS_URL: redis.url,
    STORAGE_URL: `s3://${bucket}`,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    METATRAIN_TOKEN: TOKEN,
    GRPC_TLS_CERT: certs.serverCert,
    GRPC_TLS_KEY: certs.serverKey,
    GRPC_TLS_CLIENT_CA: certs.caCert,
    METATRAIN_DATA_DIR: dir,
  });
  address = `localhost:${coordinator.grpc.split(':').at(-1)}`;
  worker = startWorkerProcess({
    REDIS_URL: redis.url,
    COORDINATOR_ADDR: address,
    METATRAIN_TOKEN: TOKEN,
    METATRAIN_TLS_CA: certs.caCert,
    WORKER_TLS_CERT: certs.workerCert,
    WORKER_TLS_KEY: certs.workerKey,
    WORKER_ID: 'worker:mtls-worker', // bound to the certificate's CN (docs/SECURITY.md)
    METATRAIN_LOG: 'debug', // every shard logged: more text to search
  });
  await worker.waitForLine(/^worker ready: /, 60_000);
});
afterAll(async () => {
  await worker?.kill();
  await coordinator?.stop();
  await Promise.all([redis?.close(), s3?.close(), certs?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('with every credential set', () => {
  let jobId: string;

  it('runs a job end to end: token, TLS and a worker certificate, Redis with a password, S3 with its own keys', async () => {
    expect(redis.url).toContain(REDIS_PASSWORD);
    expect(s3.accessKey).toBe(s3.kind === 'environment' ? process.env.S3_ACCESS_KEY : ACCESS_KEY);
    const specPath = join(dir, 'secretive.yaml');
    await writeFile(specPath, SPEC);
    const submitted = await cli(['submit', specPath, '--wait']);
    expect(submitted.code, submitted.stderr).toBe(0);
    jobId = submitted.stdout.trim();
    const [status, workers, exported] = await Promise.all([cli(['status', jobId, '--json']), cli(['workers', '--json']), cli(['export', jobId, '--out', join(dir, 'export')])]);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'SUCCEEDED', roundsCompleted: 12 });
    expect(JSON.parse(workers.stdout)).toEqual([expect.objectContaining({ id: 'worker:mtls-worker', shardsDone: 24 })]);
    expect(exported.code, exported.stderr).toBe(0);
  });

  it('writes none of them to a log, Redis, the bucket or the export', async () => {
    // Logs: the coordinator's, the worker's (debug), every CLI run's stdout and stderr.
    const logs = [...coordinator.output, ...worker.lines, ...cliRuns.flatMap((r) => [r.stdout, r.stderr])].join('\n');
    expect(logs).toContain(`job ${jobId}: succeeded`);
    expect(worker.lines.filter((l) => l.startsWith('worker: shard ')).length).toBeGreaterThanOrEqual(24);

    // Everything the private Redis holds: the job registry and the shard queue.
    const keys = await snapshotKeys(redis.url, '');
    expect(Object.keys(keys).some((k) => k.includes(`registry`))).toBe(true);
    const redisText = Object.entries(keys).map(([k, v]) => `${k} ${v}`).join('\n');

    // Every object in the bucket: spec, checkpoints, export.
    const store = await S3Store.create({ endPoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket });
    const objects: string[] = [];
    try {
      for (const key of await store.list('')) objects.push(`${key}\n${Buffer.from((await store.get(key)) ?? []).toString('latin1')}`);
    } finally {
      await store.close();
    }
    expect(objects.some((o) => o.startsWith(`jobs/${jobId}/checkpoints/`))).toBe(true);
    expect(objects.some((o) => o.startsWith(`jobs/${jobId}/export/weights.bin`))).toBe(true);

    const exportDir = join(dir, 'export');
    const exportText = (await Promise.all((await readdir(exportDir)).map((f) => readFile(join(exportDir, f), 'latin1')))).join('\n');
    expect(exportText).toContain('"algorithm"');

    expect({ logs: leaked(logs), redis: leaked(redisText), bucket: leaked(objects.join('\n')), export: leaked(exportText) }).toEqual({ logs: [], redis: [], bucket: [], export: [] });
    // Nor the worker's private key.
    const keyBody = (await readFile(certs.workerKey, 'utf8')).split('\n')[1] ?? '';
    expect(keyBody.length).toBeGreaterThan(20);
    expect([logs, redisText, objects.join('\n')].some((t) => t.includes(keyBody))).toBe(false);
  });

  it('wrong credentials get one clear line each, naming neither the right nor the wrong secret', async () => {
    const wrongPassword = `wrong-${secret(12)}`;
    const wrongSecret = `wrong-${secret(12)}`;
    const wrongToken = `wrong-${secret(12)}`;
    const base = { METATRAIN_TOKEN: TOKEN, METATRAIN_QUEUE_PREFIX: 'mt-wrong-credentials' };
    const redisUrl = redis.url.replace(encodeURIComponent(REDIS_PASSWORD), wrongPassword);
    const s3Env = { STORAGE_URL: `s3://${bucket}`, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: wrongSecret };
    const stranger = startWorkerProcess({ REDIS_URL: redis.url, COORDINATOR_ADDR: address, METATRAIN_TOKEN: wrongToken, METATRAIN_TLS_CA: certs.caCert, WORKER_TLS_CERT: certs.workerCert, WORKER_TLS_KEY: certs.workerKey });
    const [badRedis, badS3] = await Promise.all([
      startCoordinatorUntil({ ...base, REDIS_URL: redisUrl }, /waiting for Redis/),
      startCoordinatorUntil({ ...base, REDIS_URL: redis.url, ...s3Env }, /waiting for storage/),
    ]);
    try {
      expect(badRedis.line).toMatch(/^coordinator: waiting for Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+: WRONGPASS .* \(retrying in 1 s\)$/);
      expect(badS3.line).toMatch(/^coordinator: waiting for storage: S3 create bucket .* failed: \w+: .*\(check the access key and secret key\) \(retrying in 1 s\)$/);
      expect(await stranger.exited).toEqual({ code: 2, signal: null });
      expect(stranger.lines.filter((l) => l !== '').at(-1)).toMatch(/^worker: the coordinator at localhost:\d+ refused this worker: UNAUTHENTICATED: the bearer token does not match/);
      const text = [badRedis.line, ...badRedis.output, badS3.line, ...badS3.output, ...stranger.lines].join('\n');
      expect(leaked(text)).toEqual([]);
      expect([wrongPassword, wrongSecret, wrongToken].filter((w) => text.includes(w))).toEqual([]);
    } finally {
      await Promise.all([badRedis.service.stop(), badS3.service.stop(), stranger.kill()]);
    }
  });
});
