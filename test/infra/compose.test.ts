import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { parseSpecText } from '@metatrain/core';
import { compileCoordinatorOptions, COORDINATOR_ENV_NAMES, coordinatorOptionsFromEnv } from '@metatrain/coordinator';
import { parseStorageConfig } from '@metatrain/storage';
import { compileServeOptions, SERVE_ENV_NAMES, serveOptionsFromEnv } from '@metatrain/serve';
import { compileWorkerOptions, WORKER_ENV_NAMES, workerOptionsFromEnv } from '@metatrain/worker';
import { describe, expect, it } from 'vitest';
import { imageTitle, parseDockerfile, stageEnv } from './support/dockerfile';
import { repositoryFileAt } from './support/image-files';
import { composeEnv, makeSecrets } from '../../scripts/make-secrets';
import { INFRA, readYamlMapping, REPO } from './support/yaml-files';

// infra/compose.yaml: it parses, every service is configured with variables the code reads,
// the ones the stack needs are there and point at the right services, the images are the
// Dockerfile's, the grace periods cover the shutdown the code does, and the example specs'
// data is where their relative paths lead: on a volume, or in the image.

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  profiles?: string[];
  volumes?: string[];
}

const compose = readYamlMapping(join(INFRA, 'compose.yaml')) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const services = compose.services;
const dockerfile = parseDockerfile();

/** infra/.env as scripts/make-secrets.ts makes it: the secrets compose.yaml requires. */
const dotEnv = Object.fromEntries(composeEnv(makeSecrets()).split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=') as [string, string]));

/** `${VAR:-default}` and `${VAR:?error}` as Compose substitutes them with infra/.env's variables; a required one missing throws. */
const substitute = (value: string) =>
  value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_whole, name: string, kind: string | undefined, text: string | undefined) => {
    const set = dotEnv[name];
    if (set !== undefined) return set;
    if (kind === '-') return text ?? '';
    throw new Error(`compose.yaml needs ${name}, which infra/.env lacks${kind === '?' ? `: ${text}` : ''}`);
  });
const env = (service: string) => Object.fromEntries(Object.entries(services[service]?.environment ?? {}).map(([k, v]) => [k, substitute(String(v))]));
const seconds = (duration: string | undefined) => Number(/^(\d+)s$/.exec(duration ?? '')?.[1] ?? 10); // Compose's default is 10s

/** A service's `source:container[:mode]` volumes: a named volume of the top-level `volumes`, or a host path relative to infra/. */
function mountsOf(service: string) {
  return (services[service]?.volumes ?? []).map((v) => {
    const [source = '', container = '', mode] = substitute(v).split(':');
    const named = source in compose.volumes;
    return { named, source, host: named ? undefined : resolve(INFRA, source), container, mode };
  });
}

const WORKERS = ['worker', 'worker-gpu'];

describe('infra/compose.yaml', () => {
  it('has the stack: redis, minio and its bucket, the coordinator, the workers and serve', () => {
    expect(Object.keys(services).sort()).toEqual(['coordinator', 'minio', 'minio-bucket', 'redis', 'serve', 'worker', 'worker-gpu']);
    expect(services.serve?.profiles).toEqual(['serve']); // it needs SERVE_MODELS: a finished job's export
    expect(services['worker-gpu']?.profiles).toEqual(['gpu']); // `docker compose up` starts CPU workers only
  });

  it('gives the services only variables the code reads', () => {
    expect(Object.keys(env('coordinator')).filter((v) => !COORDINATOR_ENV_NAMES.includes(v))).toEqual([]);
    for (const w of WORKERS) expect(Object.keys(env(w)).filter((v) => !WORKER_ENV_NAMES.includes(v)), w).toEqual([]);
    expect(Object.keys(env('serve')).filter((v) => !SERVE_ENV_NAMES.includes(v))).toEqual([]);
  });

  it('serves the exports in the stack\'s MinIO, on the port serve is told', () => {
    const serveEnv = env('serve');
    expect(new URL(serveEnv.S3_ENDPOINT ?? '').hostname).toBe('minio');
    expect(serveEnv.S3_ACCESS_KEY).toBe(substitute(String(services.minio?.environment?.MINIO_ROOT_USER)));
    expect(serveEnv.S3_SECRET_KEY).toBe(substitute(String(services.minio?.environment?.MINIO_ROOT_PASSWORD)));
    const port = compileServeOptions(serveOptionsFromEnv(serveEnv)).port;
    expect(services.serve?.ports).toEqual([`127.0.0.1:8081:${port}`]);
  });

  it('names every variable the services need, pointing at the services that are there', () => {
    const coordinatorEnv = env('coordinator');
    for (const name of ['REDIS_URL', 'STORAGE_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'METATRAIN_TOKEN', 'METATRAIN_DATA_DIR']) expect(coordinatorEnv, name).toHaveProperty(name);
    const coordinator = compileCoordinatorOptions(coordinatorOptionsFromEnv(coordinatorEnv));
    expect(new URL(coordinator.redisUrl).hostname).toBe('redis');
    const storage = parseStorageConfig(coordinator.storage, '/unused');
    if (storage.kind !== 's3') throw new Error('expected s3 storage');
    expect(new URL(storage.options.endPoint).hostname).toBe('minio');
    expect(storage.options.accessKey).toBe(substitute(String(services.minio?.environment?.MINIO_ROOT_USER)));
    expect(storage.options.secretKey).toBe(substitute(String(services.minio?.environment?.MINIO_ROOT_PASSWORD)));
    // The bucket minio-bucket creates is the one STORAGE_URL names.
    expect(JSON.stringify(services['minio-bucket'])).toContain(`local/${storage.options.bucket}`);
    expect(services.coordinator?.depends_on).toMatchObject({ redis: { condition: 'service_healthy' }, 'minio-bucket': { condition: 'service_completed_successfully' } });

    for (const w of WORKERS) {
      const workerEnv = env(w);
      for (const name of ['REDIS_URL', 'COORDINATOR_ADDR', 'METATRAIN_TOKEN', 'METATRAIN_DATA_DIR']) expect(workerEnv, `${w} ${name}`).toHaveProperty(name);
      const worker = compileWorkerOptions(workerOptionsFromEnv(workerEnv));
      expect(worker.coordinatorAddress).toBe(`coordinator:${coordinator.grpcPort}`);
      expect(worker.redisUrl).toBe(coordinator.redisUrl);
      expect([worker.queuePrefix, worker.queueName]).toEqual([coordinator.queuePrefix, coordinator.queueName]);
      // Two pools side by side: the CPU workers' and the GPU workers'.
      expect(worker.pool, w).toBe(w === 'worker-gpu' ? 'gpu' : 'default');
      expect(workerEnv.METATRAIN_TOKEN).toBe(coordinatorEnv.METATRAIN_TOKEN);
      // Docker sends SIGKILL after stop_grace_period: the shard in hand must be done or handed back by then.
      expect(seconds(services[w]?.stop_grace_period) * 1000, w).toBeGreaterThanOrEqual(worker.shutdownGraceMs + 10_000);
      // No container name and no published port, or `--scale worker=N` could not start N.
      expect(services[w], w).not.toHaveProperty('container_name');
      expect(services[w], w).not.toHaveProperty('ports');
    }
  });

  it('publishes the coordinator ports it listens on, on localhost', () => {
    const coordinator = compileCoordinatorOptions(coordinatorOptionsFromEnv(env('coordinator')));
    expect(services.coordinator?.ports).toEqual([`127.0.0.1:${coordinator.grpcPort}:${coordinator.grpcPort}`, `127.0.0.1:${coordinator.httpPort}:${coordinator.httpPort}`]);
  });

  it('holds the files every example spec names where its paths resolve against METATRAIN_DATA_DIR: on a read-only volume or in the image', () => {
    const examples = readdirSync(join(REPO, 'examples')).filter((f) => f.endsWith('.yaml'));
    const dataPaths = examples.flatMap((file) => {
      const tasks = parseSpecText(readFileSync(join(REPO, 'examples', file), 'utf8')).tasks as { path?: string | string[]; testPath?: string | string[] };
      return [tasks.path ?? [], tasks.testPath ?? []].flat().map((path) => ({ file, path }));
    });
    expect(dataPaths.map((d) => d.path)).toContain('../datasets/omniglot/images_background_small1.zip'); // outside examples/
    for (const name of ['coordinator', ...WORKERS]) {
      // Directories of this machine, mounted read-only.
      const mounts = mountsOf(name).filter((m) => !m.named);
      for (const m of mounts) expect(m.mode, `${name} ${m.container}`).toBe('ro');
      for (const { file, path } of dataPaths) {
        const inContainer = posix.resolve(env(name).METATRAIN_DATA_DIR ?? '', path);
        const mount = mounts.find((m) => inContainer.startsWith(`${m.container}/`));
        // A volume hides what the image has at its mount point.
        const onHost = mount ? join(mount.host ?? '', posix.relative(mount.container, inContainer)) : repositoryFileAt(dockerfile, services[name]?.build?.target ?? '', inContainer);
        expect(onHost && existsSync(onHost), `${name}: ${file}: ${path} is ${inContainer}, which neither a volume nor the image holds`).toBe(true);
      }
    }
  });

  it('gives the coordinator and every worker one writable cache at METATRAIN_CACHE_DIR: a named volume they share, where the images put it', () => {
    const caches = ['coordinator', ...WORKERS].map((name) => {
      const cacheDir = name === 'coordinator' ? compileCoordinatorOptions(coordinatorOptionsFromEnv(env(name))).cacheDir : compileWorkerOptions(workerOptionsFromEnv(env(name))).cacheDir;
      // The image makes that directory for its user, and a new volume takes its owner from it.
      expect(stageEnv(dockerfile, services[name]?.build?.target ?? '').METATRAIN_CACHE_DIR, name).toBe(cacheDir);
      const mount = mountsOf(name).find((m) => m.container === cacheDir);
      expect(mount, `${name}: nothing mounted at ${cacheDir}`).toMatchObject({ named: true, mode: undefined });
      return mount?.source;
    });
    expect(new Set(caches).size).toBe(1); // one download serves them all; writes are renamed into place whole
  });

  it('runs Redis with AOF and noeviction', () => {
    const command = (services.redis?.command ?? []).join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
  });

  it('has no default secret: each comes from infra/.env, Redis requires the password the services\' REDIS_URL carries', () => {
    const text = readFileSync(join(INFRA, 'compose.yaml'), 'utf8');
    for (const name of ['METATRAIN_TOKEN', 'MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD', 'REDIS_PASSWORD']) {
      expect(text, name).not.toMatch(new RegExp(`\\$\\{${name}:-`));
      expect(text, name).toMatch(new RegExp(`\\$\\{${name}:\\?`));
    }
    const command = (services.redis?.command ?? []).map(substitute);
    expect(command[command.indexOf('--requirepass') + 1]).toBe(dotEnv.REDIS_PASSWORD);
    expect(env('redis').REDISCLI_AUTH).toBe(dotEnv.REDIS_PASSWORD);
    for (const service of ['coordinator', ...WORKERS]) expect(new URL(env(service).REDIS_URL ?? '').password, service).toBe(dotEnv.REDIS_PASSWORD);
    for (const service of ['coordinator', ...WORKERS, 'serve']) expect(env(service).METATRAIN_TOKEN, service).toBe(dotEnv.METATRAIN_TOKEN);
  });

  it('builds the images from the Dockerfile targets that carry their names', () => {
    for (const name of ['coordinator', ...WORKERS, 'serve']) {
      const s = services[name];
      expect(s?.build, name).toEqual({ context: '..', dockerfile: 'infra/docker/Dockerfile', target: expect.any(String) });
      expect(join(INFRA, s?.build?.context ?? '', s?.build?.dockerfile ?? '')).toBe(join(REPO, 'infra', 'docker', 'Dockerfile'));
      expect(s?.image, name).toBe(`${imageTitle(dockerfile, s?.build?.target ?? '')}:latest`);
    }
  });
});
