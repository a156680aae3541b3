import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@metatrain/core';
import { bytesOf, type DatasetServer, startDatasetServer } from '@metatrain/datasets/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';
import { REPO_ROOT, runCli } from './support/run-cli';
import { type CoordinatorProcess, startCoordinatorProcess, startWorkerProcess } from './support/services';

// "A spec that runs with `train` runs with `submit`, wherever the coordinator is": the
// coordinator and the worker run in directories of their own, with no METATRAIN_DATA_DIR,
// so the CSV the spec names (data/house-prices.csv, next to the spec) reaches them only
// because `submit` uploads it with the job — or, named by a pinned URL, because each of them
// downloads it.

const EXAMPLE = join(REPO_ROOT, 'examples');
const shortened = (text: string) => text.replace(/iterations: \d+/, 'iterations: 6').replace(/everyRounds: \d+/, 'everyRounds: 3');

let redis: RedisTestServer;
let dir: string;
let coordinator: CoordinatorProcess;
let server: DatasetServer;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'metatrain-data-travels-'));
  for (const part of ['coordinator', 'worker', 'user/data']) await mkdir(join(dir, part), { recursive: true });
  const prefix = uniquePrefix('travels');
  const common = { REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: prefix, METATRAIN_DATA_DIR: '' };
  coordinator = await startCoordinatorProcess(
    { ...common, STORAGE_URL: `file://${join(dir, 'coordinator', 'storage')}`, METATRAIN_CACHE_DIR: join(dir, 'coordinator', 'cache'), MAX_DATA_BYTES: '100000' },
    [],
    join(dir, 'coordinator'),
  );
  stops.push(() => coordinator.stop());
  const worker = await startWorkerProcess({ ...common, COORDINATOR_ADDR: coordinator.grpc, WORKER_ID: 'travels-1', METATRAIN_CACHE_DIR: join(dir, 'worker', 'cache') }, [], join(dir, 'worker'));
  stops.push(() => worker.stop());
  // The user's copy of the example: the spec and, next to it, its data.
  await writeFile(join(dir, 'user', 'house-prices-maml.yaml'), shortened(await readFile(join(EXAMPLE, 'house-prices-maml.yaml'), 'utf8')));
  await copyFile(join(EXAMPLE, 'data', 'house-prices.csv'), join(dir, 'user', 'data', 'house-prices.csv'));
  server = await startDatasetServer({ '/house-prices.csv': { bytes: bytesOf(join(EXAMPLE, 'data', 'house-prices.csv')) } });
  stops.push(() => server.close());
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await redis?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('submit with local data, to a coordinator elsewhere', () => {
  it('uploads the file the spec names; the coordinator and the worker read the same bytes', async () => {
    const csv = await readFile(join(dir, 'user', 'data', 'house-prices.csv'));
    const hash = sha256Hex(csv);
    const result = await runCli(['submit', join(dir, 'user', 'house-prices-maml.yaml'), '--wait', '--coordinator', coordinator.grpc]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`uploaded data/house-prices.csv (${csv.length.toLocaleString('en-US')} bytes) as sha256:${hash}`);
    expect(await readFile(join(dir, 'coordinator', 'storage', 'data', 'sha256', hash))).toEqual(csv);
    expect(await readdir(join(dir, 'worker', 'cache', 'data'))).toEqual([hash]);
    const status = JSON.parse((await runCli(['status', result.stdout.trim(), '--json', '--coordinator', coordinator.grpc])).stdout) as { state: string; spec: string };
    expect(status.state).toBe('SUCCEEDED');
    expect(status.spec).toContain(`sha256:${hash}`);
  });

  it('refuses a file above the coordinator\'s limit, naming its size and the limit, and submits nothing', async () => {
    const big = join(dir, 'user', 'big.yaml');
    await writeFile(join(dir, 'user', 'data', 'big.csv'), `city,sqm,rooms,age,price\n${'Amsterdam,49,1,19,581000\n'.repeat(5000)}`);
    await writeFile(big, (await readFile(join(dir, 'user', 'house-prices-maml.yaml'), 'utf8')).replace('data/house-prices.csv', 'data/big.csv').replace('name: house-prices-maml', 'name: too-big'));
    const before = (await runCli(['list', '--json', '--coordinator', coordinator.grpc])).stdout;
    const result = await runCli(['submit', big, '--coordinator', coordinator.grpc]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/tasks\.path \(data\/big\.csv\): .*size_bytes: 125025 bytes is above this coordinator's limit of 100000 bytes \(MAX_DATA_BYTES\); name larger data by an https:\/\/ URL pinned by its sha256/);
    expect((await runCli(['list', '--json', '--coordinator', coordinator.grpc])).stdout).toBe(before);
  });

  it('uploads no pinned URL: the coordinator and the worker each download it, and the job trains', async () => {
    const csv = await readFile(join(EXAMPLE, 'data', 'house-prices.csv'));
    const hash = sha256Hex(csv);
    const url = `${server.url}/house-prices.csv#sha256=${hash}`;
    const spec = join(dir, 'user', 'by-url.yaml');
    await writeFile(spec, (await readFile(join(dir, 'user', 'house-prices-maml.yaml'), 'utf8')).replace('data/house-prices.csv', `"${url}"`).replace('name: house-prices-maml', 'name: by-url'));
    const result = await runCli(['submit', spec, '--wait', '--coordinator', coordinator.grpc]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`tasks.path: ${url} is not uploaded`);
    expect(result.stderr).not.toContain('uploaded data');
    expect(await readFile(join(dir, 'coordinator', 'cache', 'urls', hash))).toEqual(csv);
    expect(await readFile(join(dir, 'worker', 'cache', 'urls', hash))).toEqual(csv);
    expect(server.requests).toEqual(['/house-prices.csv', '/house-prices.csv']); // once per machine
    const status = JSON.parse((await runCli(['status', result.stdout.trim(), '--json', '--coordinator', coordinator.grpc])).stdout) as { state: string; spec: string };
    expect(status.state).toBe('SUCCEEDED');
    expect(status.spec).toContain(url);
  });
});
