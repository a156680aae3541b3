import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@metatrain/core';
import { bytesOf, type DatasetServer, startDatasetServer } from '@metatrain/datasets/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisTestServer } from './support/redis-server';
import { REPO_ROOT, runCli } from './support/run-cli';

// A spec whose tasks.path is an http URL pinned by the file's sha256, served by a local HTTP
// server: `train` and `local` download it into the cache and train on exactly the bytes a
// local path gives (the same weights.bin); `eval` finds the cached copy with the server gone.

const CSV = join(REPO_ROOT, 'examples', 'data', 'house-prices.csv');
const HASH = sha256Hex(bytesOf(CSV));
const spec = (path: string) => `name: prices
algorithm: maml
model: { kind: mlp, hidden: [16] }
tasks: { family: csv, path: "${path}", taskColumn: city, target: price, shots: 5, queryShots: 10 }
inner: { steps: 2, lr: 0.05 }
outer: { lr: 0.001, metaBatchSize: 4, iterations: 6 }
shardSize: 2
checkpoint: { everyRounds: 3, keep: 1 }
seed: 5
`;

let dir: string;
let server: DatasetServer;
let redis: RedisTestServer;
let env: NodeJS.ProcessEnv;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-train-url-'));
  server = await startDatasetServer({ '/data/house-prices.csv': { bytes: bytesOf(CSV) } });
  redis = await startRedisServer();
  url = `${server.url}/data/house-prices.csv#sha256=${HASH}`;
  env = { METATRAIN_CACHE_DIR: join(dir, 'cache'), METATRAIN_DATA_DIR: '', REDIS_URL: redis.url };
  await writeFile(join(dir, 'by-path.yaml'), spec(CSV));
  await writeFile(join(dir, 'by-url.yaml'), spec(url));
});
afterAll(async () => {
  await server?.close();
  await redis?.close();
  await rm(dir, { recursive: true, force: true });
});

const weights = (out: string) => readFile(join(out, 'export', 'weights.bin'));

describe('a csv spec whose tasks.path is a pinned URL', () => {
  it('trains with train and local on the same bytes as a local path, and evaluates offline from the cache', async () => {
    const byPath = await runCli(['train', join(dir, 'by-path.yaml'), '--out', join(dir, 'by-path')], env);
    expect(byPath.code, byPath.stderr).toBe(0);
    const byUrl = await runCli(['train', join(dir, 'by-url.yaml'), '--out', join(dir, 'by-url')], env);
    expect(byUrl.code, byUrl.stderr).toBe(0);
    expect(byUrl.stderr).toContain(`tasks.path: downloading ${server.url}/data/house-prices.csv to ${join(dir, 'cache', 'urls', HASH)}`);
    expect(await readFile(join(dir, 'cache', 'urls', HASH))).toEqual(await readFile(CSV));
    const trained = await weights(join(dir, 'by-path'));
    expect(trained.length).toBeGreaterThan(0);
    expect((await weights(join(dir, 'by-url'))).equals(trained)).toBe(true);
    // The run keeps the URL, not this machine's copy.
    expect(JSON.parse(await readFile(join(dir, 'by-url', 'spec.json'), 'utf8'))).toMatchObject({ tasks: { path: url } });

    // LOG_FORMAT=json in the shell: local still reads its processes' ready lines (it starts them with text logs).
    const local = await runCli(['local', join(dir, 'by-url.yaml'), '--workers', '1', '--out', join(dir, 'local')], { ...env, LOG_FORMAT: 'json' });
    expect(local.code, local.stderr).toBe(0);
    expect(local.stderr).toContain(`tasks.path: ${url} is not uploaded`);
    expect((await weights(join(dir, 'local'))).equals(trained)).toBe(true);
    expect(server.requests).toEqual(['/data/house-prices.csv']); // downloaded once: the coordinator and the worker found the CLI's copy

    await server.close();
    const evaluated = await runCli(['eval', join(dir, 'by-url'), '--tasks', '5', '--json'], env);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ tasks: 5 });
  });

  it('refuses an unpinned URL before any work, saying how to pin it', async () => {
    await writeFile(join(dir, 'unpinned.yaml'), spec('https://data.example.org/house-prices.csv'));
    const result = await runCli(['train', join(dir, 'unpinned.yaml'), '--out', join(dir, 'never')], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "tasks.path: https://data.example.org/house-prices.csv is not pinned: end the URL with #sha256=<the file's sha256> (sha256sum house-prices.csv prints it), so that every machine trains on the same bytes",
    );
  });

  it('stops before any work, in one line naming the field and the URL, when the download fails', async () => {
    const host = await startDatasetServer({ '/gone.csv': { status: 404 } });
    const gone = `${host.url}/gone.csv`;
    await writeFile(join(dir, 'gone.yaml'), spec(`${gone}#sha256=${HASH}`));
    const result = await runCli(['train', join(dir, 'gone.yaml'), '--out', join(dir, 'never')], { ...env, METATRAIN_CACHE_DIR: join(dir, 'empty-cache') }).finally(() => host.close());
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('error: '))).toEqual([
      `error: tasks.path: ${gone} answered 404 Not Found; try again, or download ${gone} yourself and put it at ${join(dir, 'empty-cache', 'urls', HASH)}`,
    ]);
    expect(result.stderr).not.toContain('backend:'); // refused before TensorFlow.js chose a backend
  });
});
