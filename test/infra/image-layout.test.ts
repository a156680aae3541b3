import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startService, type ServiceProcess } from '@metatrain/cli';
import { findDataset } from '@metatrain/core';
import { OMNIGLOT_ZIPS } from '@metatrain/core/testing';
import { PREFETCH_ENV } from '@metatrain/datasets';
import { bytesOf, startDatasetServer } from '@metatrain/datasets/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../support/free-port';
import { startRedisServer, type RedisTestServer } from '../support/redis-server';
import { runCli } from '../support/run-cli';
import { assembleImage, type ImageLayout } from './support/image-layout';
import { RenderedOverlay } from './support/overlay';
import { REPO } from './support/yaml-files';

// The CPU images without Docker: each image's files assembled as the Dockerfile assembles
// them (its pnpm install of production dependencies, its sources minus .dockerignore), then
// its CMD run in its WORKDIR with its ENV (METATRAIN_DATA_DIR mapped into the layout), as real
// processes: a job submitted to that coordinator finishes on that worker, so does the
// Omniglot example on the datasets the images carry, both HEALTHCHECKs pass (and the worker's
// fails with nothing listening), components/dataset-prefetch's init containers fill the cache
// from a local mirror, and SIGTERM ends both with 0.

const SPEC = `name: image-layout
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 3, queryShots: 3 }
inner: { steps: 1, lr: 0.01 }
outer: { lr: 0.001, metaBatchSize: 4, iterations: 2 }
shardSize: 2
`;
const run = promisify(execFile);
const log = (line: string) => void process.stderr.write(`${line}\n`);

describe('the coordinator and worker images, assembled without Docker', () => {
  let redis: RedisTestServer;
  let scratch: string;
  let images: { coordinator: ImageLayout; worker: ImageLayout };
  let coordinator: ServiceProcess & { grpc: string; http: string };
  let worker: ServiceProcess;
  let workerHttp: string;
  // The image's data directory is mapped into its layout, so specs' relative paths resolve there as in the image.
  const baseEnv = (image: ImageLayout) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...image.env, METATRAIN_DATA_DIR: image.path(image.env.METATRAIN_DATA_DIR ?? '/data') });

  beforeAll(async () => {
    redis = await startRedisServer();
    scratch = await mkdtemp(join(tmpdir(), 'image-layout-'));
    images = { coordinator: await assembleImage('coordinator'), worker: await assembleImage('worker') };
    const c = images.coordinator;
    const [command = '', ...args] = c.cmd;
    const service = startService('coordinator image', command, args, {
      cwd: c.workdir,
      env: { ...baseEnv(c), REDIS_URL: redis.url, STORAGE_URL: pathToFileURL(join(scratch, 'store')).href, METATRAIN_QUEUE_PREFIX: `image-${process.pid}`, GRPC_PORT: '0', HTTP_PORT: '0', BIND_HOST: '127.0.0.1' },
      ready: /^coordinator ready: grpc (\S+) http (\S+)/,
      log,
    });
    const ready = await service.ready;
    coordinator = Object.assign(service, { grpc: ready[1] ?? '', http: ready[2] ?? '' });
    const w = images.worker;
    const [workerCommand = '', ...workerArgs] = w.cmd;
    worker = startService('worker image', workerCommand, workerArgs, {
      cwd: w.workdir,
      env: { ...baseEnv(w), REDIS_URL: redis.url, COORDINATOR_ADDR: coordinator.grpc, METATRAIN_QUEUE_PREFIX: `image-${process.pid}`, WORKER_HTTP_PORT: '0', BIND_HOST: '127.0.0.1' },
      ready: /^worker ready: .* http=(\S+)$/,
      log,
    });
    workerHttp = (await worker.ready)[1] ?? '';
  }, 300_000); // two pnpm installs and two process starts, on a loaded machine
  afterAll(async () => {
    await worker?.stop();
    await coordinator?.stop();
    await images?.worker.remove();
    await images?.coordinator.remove();
    await redis?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('holds no test files and no development dependencies', async () => {
    const { stdout } = await run('find', [images.worker.root, '-name', '*.test.ts', '-not', '-path', '*/node_modules/*']);
    expect(stdout).toBe('');
    for (const devOnly of ['vitest', 'typescript', '@bufbuild/buf', 'ts-proto']) {
      const { stdout: found } = await run('sh', ['-c', `ls ${images.coordinator.root}/app/node_modules/.pnpm | grep -c "^${devOnly.replace('/', '+')}@" || true`]);
      expect(found.trim(), devOnly).toBe('0');
    }
  });

  it('runs a job: the coordinator CMD serves, the worker CMD computes', async () => {
    const specFile = join(scratch, 'spec.yaml');
    await writeFile(specFile, SPEC);
    const result = await runCli(['submit', specFile, '--wait', '--coordinator', coordinator.grpc]);
    expect(result.stderr).toMatch(/SUCCEEDED: round 2\/2/);
    expect(result.code).toBe(0);
  });

  it('carries the shipped datasets byte for byte, at /app/datasets and through /datasets', async () => {
    const sums = (await readFile(join(REPO, 'datasets', 'omniglot', 'SHA256SUMS'), 'utf8')).trim().split('\n').map((line) => line.split(/\s+/));
    expect(sums.length).toBeGreaterThanOrEqual(2);
    for (const image of [images.coordinator, images.worker]) {
      for (const [sum, file] of sums) {
        for (const at of [`/app/datasets/omniglot/${file}`, `/datasets/omniglot/${file}`]) {
          expect(createHash('sha256').update(await readFile(image.path(at))).digest('hex'), `${image.root}: ${at}`).toBe(sum);
        }
      }
    }
  });

  it('runs the Omniglot example as it is, on the datasets the images carry', async () => {
    // The example's own data paths (../datasets/omniglot/…, against METATRAIN_DATA_DIR), two rounds.
    const spec = parse(await readFile(join(REPO, 'examples', 'omniglot-protonet.yaml'), 'utf8')) as { outer: { iterations: number } };
    spec.outer.iterations = 2;
    const specFile = join(scratch, 'omniglot.yaml');
    await writeFile(specFile, stringify(spec));
    const result = await runCli(['submit', specFile, '--wait', '--coordinator', coordinator.grpc]);
    expect(result.stderr).toMatch(/SUCCEEDED: round 2\/2/);
    expect(result.code).toBe(0);
  });

  it('passes both HEALTHCHECKs', async () => {
    const c = images.coordinator;
    const port = coordinator.http.split(':').at(-1) ?? '';
    const [command = '', ...args] = c.healthcheck;
    await expect(run(command, args, { env: { ...baseEnv(c), HTTP_PORT: port }, timeout: 30_000 })).resolves.toBeDefined();
    const w = images.worker;
    const [workerCommand = '', ...workerArgs] = w.healthcheck;
    await expect(run(workerCommand, workerArgs, { env: { ...baseEnv(w), WORKER_HTTP_PORT: workerHttp.split(':').at(-1) ?? '' }, timeout: 30_000 })).resolves.toBeDefined();
    const nothingListens = String(await freePort());
    await expect(run(workerCommand, workerArgs, { env: { ...baseEnv(w), WORKER_HTTP_PORT: nothingListens }, timeout: 30_000 })).rejects.toMatchObject({ code: 1 });
  });

  it("runs components/dataset-prefetch's init containers as they are: each fetches its ConfigMap's datasets into the cache", async () => {
    const overlay = RenderedOverlay.render('cpu', ['dataset-prefetch']);
    const names = overlay.key('ConfigMap', 'metatrain-config', PREFETCH_ENV)?.split(/\s+/).filter(Boolean) ?? [];
    expect(names.length).toBeGreaterThan(0);
    // The mirror serves the shipped small2 zip for each: the full sets have no sha256 (any sound zip passes).
    const files = names.flatMap((name) => (findDataset(name)?.files ?? []).map((f) => ({ name, file: f.name })));
    const server = await startDatasetServer(Object.fromEntries(files.map(({ name, file }) => [`/${name}/${file}`, { bytes: bytesOf(OMNIGLOT_ZIPS.small2) }])));
    try {
      for (const [deployment, image] of [['metatrain-coordinator', images.coordinator], ['metatrain-worker', images.worker]] as const) {
        const prefetch = overlay.initContainer(deployment, 'prefetch-datasets');
        const podEnv = overlay.env(prefetch);
        // The pod's directories, mapped into the image's layout.
        const dirs = { METATRAIN_CACHE_DIR: image.path(podEnv.METATRAIN_CACHE_DIR ?? ''), METATRAIN_DATA_DIR: image.path(podEnv.METATRAIN_DATA_DIR ?? '') };
        const [command = '', ...args] = image.command(prefetch.args ?? []);
        const { stdout } = await run(command, args, { cwd: image.workdir, env: { ...baseEnv(image), ...podEnv, ...dirs, METATRAIN_DATASET_MIRROR: server.url }, timeout: 60_000 });
        const cached = files.map(({ name, file }) => join(dirs.METATRAIN_CACHE_DIR, 'datasets', name, file));
        expect(stdout, deployment).toBe(cached.map((path) => `${path}\n`).join(''));
        for (const path of cached) expect(Buffer.compare(await readFile(path), bytesOf(OMNIGLOT_ZIPS.small2)), path).toBe(0);
      }
      expect(server.requests).toEqual([...files, ...files].map(({ name, file }) => `/${name}/${file}`)); // one download per file per pod
    } finally {
      await server.close();
    }
  });

  it('ends on SIGTERM with exit code 0', async () => {
    for (const service of [worker, coordinator]) {
      const exited = new Promise<number | null>((resolve) => service.child.once('exit', (code) => resolve(code)));
      service.child.kill('SIGTERM');
      expect(await exited, service.name).toBe(0);
    }
  });
});
