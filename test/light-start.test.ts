import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type ServiceProcess, startService } from '@metatrain/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeavyLoads, LOAD_LOG_ENV, readHeavyLoads, withLoadLog } from './support/heavy-loads';
import { startRedisServer, uniquePrefix, type RedisTestServer } from './support/redis-server';
import { REPO_ROOT } from './support/run-cli';
import { startCoordinatorProcess, type CoordinatorProcess } from './support/services';

// The processes that must start light — the CLI's job commands, the coordinator, the worker's
// main thread, the images' dataset prefetch — as real processes whose main thread logs what it loads (support/load-log.mjs).
// TensorFlow.js costs seconds and hundreds of MB to load; only compute may pay for it: the
// worker's compute thread, and the coordinator only when a job needs it (a lazy import()).

const CLI_MAIN = fileURLToPath(import.meta.resolve('@metatrain/cli/main'));
const COORDINATOR_MAIN = fileURLToPath(import.meta.resolve('@metatrain/coordinator/main'));
const WORKER_MAIN = fileURLToPath(import.meta.resolve('@metatrain/worker/main'));
const DATASETS_MAIN = fileURLToPath(import.meta.resolve('@metatrain/datasets/main'));
const READY = { coordinator: /^coordinator ready: grpc (\S+) http (\S+)/, worker: /^worker ready: / };
const runNode = promisify(execFile);

const SPEC = `name: light
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 1, lr: 0.01 }
outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 }
shardSize: 1
checkpoint: { everyRounds: 1, keep: 1 }
seed: 1
`;

let dir: string;
let redis: RedisTestServer;
/** A coordinator without the log, for the worker and the CLI to talk to. */
let coordinator: CoordinatorProcess;
let shared: NodeJS.ProcessEnv;
let logs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-light-start-'));
  redis = await startRedisServer();
  shared = { REDIS_URL: redis.url, METATRAIN_QUEUE_PREFIX: uniquePrefix('light-start'), METATRAIN_DATA_DIR: dir, STORAGE_URL: pathToFileURL(join(dir, 'storage')).href };
  coordinator = await startCoordinatorProcess(shared);
  await writeFile(join(dir, 'light.yaml'), SPEC);
});

afterAll(async () => {
  await coordinator?.stop();
  await redis?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const newLog = (): string => join(dir, `loads-${logs++}.jsonl`);

/** Runs `metatrain …` with the load log and expects its exit code (stderr in the message). */
async function cli(args: string[], expectCode = 0): Promise<{ stdout: string; loads: HeavyLoads }> {
  const log = newLog();
  const env = { ...process.env, COORDINATOR_ADDR: coordinator.grpc, [LOAD_LOG_ENV]: log };
  const result = await runNode(process.execPath, [...withLoadLog(CLI_MAIN), ...args], { cwd: REPO_ROOT, env }).then(
    (r) => ({ ...r, code: 0 }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  expect(result.code, `metatrain ${args.join(' ')}:\n${result.stderr}`).toBe(expectCode);
  return { stdout: result.stdout, loads: await readHeavyLoads(log) };
}

/**
 * Starts `main` with the load log, waits until it is ready (and `settle` resolved), stops it
 * (SIGTERM) and reads the log.
 */
async function startAndStop(name: keyof typeof READY, main: string, env: NodeJS.ProcessEnv, settle?: (ready: RegExpExecArray) => Promise<unknown>): Promise<{ ready: string; loads: HeavyLoads }> {
  const log = newLog();
  // Its last lines are in the error when it exits before it is ready; nothing else is needed.
  const service: ServiceProcess = startService(name, process.execPath, withLoadLog(main), { env: { ...process.env, ...env, [LOAD_LOG_ENV]: log }, ready: READY[name], log: () => undefined });
  try {
    const ready = await service.ready;
    await settle?.(ready);
    await service.stop(); // the log is complete once the process has exited
    return { ready: ready.input, loads: await readHeavyLoads(log) };
  } finally {
    await service.stop();
  }
}

const LIGHT: Omit<HeavyLoads, 'exited'> = { tfjsEngine: false, tfjsModules: [], via: [] };
const heavyPart = ({ exited: _, ...rest }: HeavyLoads): Omit<HeavyLoads, 'exited'> => rest;

describe('light starts: no TensorFlow.js in the main thread', () => {
  it('the log sees TensorFlow.js where it is loaded (`metatrain eval`, a compute command)', async () => {
    const { loads } = await cli(['eval'], 2); // a usage error, after the command (and TensorFlow.js) loaded
    expect(loads.exited).toBe(true);
    expect(loads.tfjsEngine).toBe(true);
    expect(loads.tfjsModules).toContain('@tensorflow/tfjs/dist/tf.node.js');
    expect(loads.via).toContain('packages/cli/src/commands/eval-command.ts → @metatrain/metalearn');
  });

  it('help, even of a compute command (`metatrain train --help`)', async () => {
    const { stdout, loads } = await cli(['train', '--help']);
    expect(stdout).toContain('Usage:\n  metatrain train ');
    expect(loads.exited).toBe(true);
    expect(heavyPart(loads)).toEqual(LIGHT);
  });

  it('metatrain submit, status, list and metrics', async () => {
    const submitted = await cli(['submit', join(dir, 'light.yaml')]);
    const jobId = submitted.stdout.trim();
    expect(jobId).not.toBe('');
    for (const { loads } of [submitted, await cli(['status', jobId]), await cli(['list']), await cli(['metrics', jobId])]) {
      expect(loads.exited).toBe(true);
      expect(heavyPart(loads)).toEqual(LIGHT);
    }
  });

  it('metatrain data list and verify', async () => {
    for (const args of [['data', 'list'], ['data', 'verify', 'omniglot-small1']]) {
      const { loads } = await cli(args);
      expect(loads.exited).toBe(true);
      expect(heavyPart(loads)).toEqual(LIGHT);
    }
  });

  it('the dataset prefetch of the images (datasets main.ts fetch, as components/dataset-prefetch runs it)', async () => {
    const log = newLog();
    const env = { ...process.env, METATRAIN_CACHE_DIR: join(dir, 'cache'), [LOAD_LOG_ENV]: log };
    const { stdout } = await runNode(process.execPath, [...withLoadLog(DATASETS_MAIN), 'fetch', 'omniglot-small1'], { cwd: REPO_ROOT, env });
    expect(stdout).toMatch(/images_background_small1\.zip\n$/);
    const loads = await readHeavyLoads(log);
    expect(loads.exited).toBe(true);
    expect(heavyPart(loads)).toEqual(LIGHT);
  });

  it("the worker, outside its compute thread (which loads TensorFlow.js and reports its backend)", async () => {
    const { ready, loads } = await startAndStop('worker', WORKER_MAIN, { ...shared, COORDINATOR_ADDR: coordinator.grpc, WORKER_ID: 'light-start', METATRAIN_BACKEND: 'cpu' });
    expect(ready).toContain('backend=cpu'); // the compute thread did load it, in this very process
    expect(loads.exited).toBe(true);
    expect(heavyPart(loads)).toEqual(LIGHT);
  });

  // Fails while the coordinator imports metalearn statically (`via` names each import). It
  // passes once nothing on the way to `coordinator ready` loads it: no static import left, and
  // no lazy import() run at start either (Coordinator.create selects a backend today).
  it('the coordinator', async () => {
    // A prefix of its own: on the shared one it would wait for the other coordinator's lease.
    const env = { ...shared, METATRAIN_QUEUE_PREFIX: uniquePrefix('light-coordinator'), GRPC_PORT: '0', HTTP_PORT: '0', BIND_HOST: '127.0.0.1' };
    // It says ready just before it handles SIGTERM: an answer over HTTP comes after that.
    const { loads } = await startAndStop('coordinator', COORDINATOR_MAIN, env, (ready) => fetch(`http://${ready[2] ?? ''}/healthz`).then((r) => r.text()));
    expect(loads.exited).toBe(true);
    expect(heavyPart(loads)).toEqual(LIGHT);
  });
});
