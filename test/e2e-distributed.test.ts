import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { S3Store } from '@metatrain/storage';
import { createTaskFamily, type Examples, parseSpecText, Purpose, Rng } from '@metatrain/core';
import { selectBackend } from '@metatrain/metalearn';
import type { ServiceProcess } from '@metatrain/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';
import { runCli } from './support/run-cli';
import { startS3Server, uniqueBucket, type S3TestServer } from './support/s3-server';
import { serveDirectory } from './support/serve-directory';
import { type CoordinatorProcess, startCoordinatorProcess, startWorkerProcess } from './support/services';

// The distributed system as deployed: a coordinator and two workers as separate OS processes,
// Redis, an S3 endpoint for checkpoints and exports; jobs submitted with the CLI.

const spec = (name: string, extra: { hidden?: string; iterations?: number; metaBatchSize?: number } = {}) => `name: ${name}
algorithm: maml
model: { kind: mlp, hidden: ${extra.hidden ?? '[32, 32]'} }
tasks: { family: sinusoid, shots: 10, queryShots: 10 }
inner: { steps: 1, lr: 0.01 }
outer: { lr: 0.005, metaBatchSize: ${extra.metaBatchSize ?? 8}, iterations: ${extra.iterations ?? 150} }
shardSize: 2
checkpoint: { everyRounds: 50, keep: 2 }
seed: 3
`;

let dir: string;
let redis: RedisTestServer;
let s3: S3TestServer;
let bucket: string;
let store: S3Store;
let coordinator: CoordinatorProcess;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-e2e-'));
  [redis, s3] = await Promise.all([startRedisServer(), startS3Server()]);
  bucket = uniqueBucket('e2e');
  const s3Env = { STORAGE_URL: `s3://${bucket}`, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey };
  const shared = { REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: uniquePrefix('e2e'), METATRAIN_DATA_DIR: dir };
  coordinator = await startCoordinatorProcess({ ...shared, ...s3Env });
  for (const id of ['e2e-a', 'e2e-b']) workers.push(await startWorkerProcess({ ...shared, COORDINATOR_ADDR: coordinator.grpc, WORKER_ID: id }));
  store = await S3Store.create({ endPoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket });
  await selectBackend();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await coordinator?.stop();
  await store?.close();
  await Promise.all([redis?.close(), s3?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli([...args, '--coordinator', coordinator.grpc]);

async function submitAndWait(name: string, text: string): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, text);
  const result = await cli(['submit', path, '--wait']);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** A sinusoid task no training round drew, as adapt's JSON files. */
async function newTaskFiles(): Promise<{ support: string; query: string }> {
  const family = createTaskFamily(parseSpecText(spec('x')).tasks, { baseDir: dir });
  const task = family.sample(Rng.for(987_654, Purpose.EvalTask, 0, 0), 'test');
  const json = (examples: Examples) => JSON.stringify({ inputs: [...examples.x].map((x) => [x]), targets: [...examples.y] });
  const support = join(dir, 'support.json');
  const query = join(dir, 'query.json');
  await writeFile(support, json(task.support));
  await writeFile(query, json(task.query));
  return { support, query };
}

describe('coordinator and two worker processes with S3 storage', () => {
  let jobId: string;
  let exportDir: string;

  it('runs a submitted job to the end and checkpoints to the bucket, manifest last', async () => {
    jobId = await submitAndWait('e2e-maml', spec('e2e-maml'));
    expect(jobId).toMatch(/^e2e-maml-[a-z0-9]{6}$/);
    const keys = await store.list(`jobs/${jobId}/`);
    expect(keys).toContain(`jobs/${jobId}/checkpoints/00000150/MANIFEST.json`);
    expect(keys).toContain(`jobs/${jobId}/LATEST`);
    expect(keys).toContain(`jobs/${jobId}/export/weights.bin`);
    const workersOut = await cli(['workers', '--json']);
    const listed = JSON.parse(workersOut.stdout) as Array<{ id: string; state: string; backend: string; shardsDone: number }>;
    expect(listed.map((w) => w.id).sort()).toEqual(['e2e-a', 'e2e-b']);
    expect(listed.every((w) => w.state === 'ACTIVE' && w.backend !== '')).toBe(true);
    // 150 rounds of 4 shards, every shard reported once whichever worker took it.
    expect(listed.reduce((n, w) => n + w.shardsDone, 0)).toBeGreaterThanOrEqual(150 * 4);
  });

  it('exports a model that tf.loadLayersModel loads', async () => {
    exportDir = join(dir, 'export');
    const result = await cli(['export', jobId, '--out', exportDir]);
    expect(result.code, result.stderr).toBe(0);
    const server = await serveDirectory(exportDir);
    try {
      const model = await tf.loadLayersModel(`${server.url}/model.json`);
      const out = model.predict(tf.tensor2d([[0.5]])) as tf.Tensor;
      expect(out.shape).toEqual([1, 1]);
      expect(Number.isFinite((await out.data())[0])).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('adapt lowers the loss on a new task, locally and through the coordinator', async () => {
    const { support, query } = await newTaskFiles();
    const queryLoss = (stdout: string) => {
      const match = /loss\s+([\d.]+)\s+→\s+([\d.]+)/.exec(stdout);
      expect(match, stdout).not.toBeNull();
      return { before: Number(match?.[1]), after: Number(match?.[2]) };
    };
    const local = await runCli(['adapt', exportDir, '--support', support, '--query', query, '--steps', '5']);
    expect(local.code, local.stderr).toBe(0);
    const remote = await cli(['adapt', jobId, '--support', support, '--query', query, '--steps', '5']);
    expect(remote.code, remote.stderr).toBe(0);
    const { before, after } = queryLoss(local.stdout);
    expect(after).toBeLessThan(before);
    expect(queryLoss(remote.stdout)).toEqual({ before, after });
  });

  it('trains a job whose parameters exceed 4 MiB (an MLP with two 1024-unit layers)', async () => {
    const id = await submitAndWait('e2e-wide', spec('e2e-wide', { hidden: '[1024, 1024]', iterations: 3, metaBatchSize: 4 }));
    const weights = await store.get(`jobs/${id}/export/weights.bin`);
    expect(weights?.length).toBeGreaterThan(4 * 1024 * 1024);
  });

  it('finishes two jobs submitted together; neither starves', async () => {
    const [a, b] = await Promise.all([submitAndWait('e2e-left', spec('e2e-left', { iterations: 40 })), submitAndWait('e2e-right', spec('e2e-right', { iterations: 40 }))]);
    const times = [];
    for (const id of [a, b]) {
      const status = JSON.parse((await cli(['status', id, '--json'])).stdout) as { state: string; roundsCompleted: number; createdAt: string; updatedAt: string };
      expect(status).toMatchObject({ state: 'SUCCEEDED', roundsCompleted: 40 });
      times.push({ created: Date.parse(status.createdAt), finished: Date.parse(status.updatedAt) });
    }
    // Sharing the workers, they finish close together: one running first would finish
    // about when the other starts.
    const span = Math.max(...times.map((t) => t.finished)) - Math.min(...times.map((t) => t.created));
    expect(Math.abs((times[0]?.finished ?? 0) - (times[1]?.finished ?? 0))).toBeLessThan(span / 2);
  });
});
