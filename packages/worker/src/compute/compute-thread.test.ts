import { BackendError, createTaskFamily, initialMetaParams, paramsEqual, type ParamSet, parseSpecText, planShards } from '@metatrain/core';
import { OMNIGLOT_ZIPS } from '@metatrain/core/testing';
import { computeEvalShard, computeShard, createComputeContext, selectBackend } from '@metatrain/metalearn';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ComputeThreadError, WorkerClosedError } from '../errors';
import { ComputeThread } from './compute-thread';

const SPEC = `name: thread-test
algorithm: maml
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 2, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: 6, iterations: 3 }
shardSize: 4
seed: 9
`;

/** A spec that names no catalog dataset needs no files. */
const NO_FILES: ReadonlyMap<string, string> = new Map();

const threads: ComputeThread[] = [];
afterEach(async () => {
  for (const thread of threads.splice(0)) await thread.close();
});

async function start(options: Partial<Parameters<typeof ComputeThread.create>[0]> = {}): Promise<{ thread: ComputeThread; logs: string[] }> {
  const logs: string[] = [];
  const thread = await ComputeThread.create({ backend: 'wasm', dataDir: process.cwd(), log: (line) => logs.push(line), ...options });
  threads.push(thread);
  return { thread, logs };
}

describe('ComputeThread', () => {
  beforeAll(async () => {
    // The same backend as the thread's, so that bits compare.
    await selectBackend({ prefer: 'wasm', log: () => undefined });
  });

  it('computes shards in its thread bit for bit as computeShard does here, fetching each version once', async () => {
    const { thread, logs } = await start();
    expect(thread.backend.name).toBe('wasm');
    expect(logs.join('\n')).toMatch(/^backend: wasm/);

    const ctx = createComputeContext(parseSpecText(SPEC), createTaskFamily(parseSpecText(SPEC).tasks));
    const theta = initialMetaParams(ctx);
    const fetched: ParamSet[] = [];
    const fetch = (): Promise<ParamSet> => {
      // A fresh copy each time, as a decoded GetParameters payload is.
      fetched.push(theta.map((p) => ({ ...p, values: new Float32Array(p.values) })));
      return Promise.resolve(fetched[fetched.length - 1] as ParamSet);
    };
    for (const shard of planShards(6, 4)) {
      const computed = await thread.compute({ shardKind: 'train', jobId: 'job-1', specText: SPEC, files: NO_FILES, version: 0, shard }, fetch);
      const local = computeShard(ctx, theta, 0, shard);
      expect(paramsEqual(computed.sum, local.sum)).toBe(true);
      expect(computed.metrics).toEqual(local.metrics);
      expect(computed.computeMs).toBeGreaterThan(0);
    }
    expect(fetched).toHaveLength(1);
    // Moved to the thread, not copied: the fetched arrays are detached here.
    expect(fetched[0]?.every((p) => p.values.buffer.byteLength === 0)).toBe(true);
  });

  it("reads a catalog dataset from the path the main thread sends with the request", async () => {
    const { thread } = await start();
    const spec = `name: thread-dataset
algorithm: protonet
model: { kind: conv4, channels: 4 }
tasks: { family: omniglot, dataset: omniglot-small1, ways: 3, shots: 1, queryShots: 2, imageSize: 16 }
outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 }
`;
    const files = new Map([['dataset:omniglot-small1', OMNIGLOT_ZIPS.small1]]);
    const ctx = createComputeContext(parseSpecText(spec), createTaskFamily(parseSpecText(spec).tasks, { files }));
    const theta = initialMetaParams(ctx);
    const shard = { index: 0, start: 0, end: 2 };
    const copy = () => Promise.resolve(theta.map((p) => ({ ...p, values: new Float32Array(p.values) })));
    const computed = await thread.compute({ shardKind: 'train', jobId: 'job-d', specText: spec, files, version: 0, shard }, copy);
    expect(paramsEqual(computed.sum, computeShard(ctx, theta, 0, shard).sum)).toBe(true);
    // Without the path the thread cannot build the family: it says which dataset to fetch.
    await expect(thread.compute({ shardKind: 'train', jobId: 'job-n', specText: spec, files: NO_FILES, version: 0, shard }, copy)).rejects.toThrow(
      'SpecError: tasks.dataset: omniglot-small1 is not fetched: run `metatrain data fetch omniglot-small1`',
    );
  });

  it('computes evaluation shards as computeEvalShard does here, held-out task indices and all, with no sum', async () => {
    const { thread } = await start();
    const ctx = createComputeContext(parseSpecText(SPEC), createTaskFamily(parseSpecText(SPEC).tasks));
    const theta = initialMetaParams(ctx);
    const range = { index: 1, start: 3, end: 6 };
    const computed = await thread.compute({ shardKind: 'eval', jobId: 'job-e', specText: SPEC, files: NO_FILES, version: 2, shard: range }, () => Promise.resolve(theta.map((p) => ({ ...p, values: new Float32Array(p.values) }))));
    expect(computed.sum).toEqual([]);
    expect(computed.metrics.map((m) => m.task)).toEqual([3, 4, 5]);
    expect(computed.metrics).toEqual(computeEvalShard(ctx, theta, range));
    expect(computed.metrics.every((m) => m.preLoss !== m.postLoss)).toBe(true);
  });

  it('fails a shard whose spec the thread cannot use, and keeps working', async () => {
    const { thread } = await start();
    const bad = thread.compute({ shardKind: 'train', jobId: 'job-2', specText: 'name: [', files: NO_FILES, version: 0, shard: { index: 0, start: 0, end: 1 } }, () =>
      Promise.resolve([{ name: 'w', shape: [1], values: new Float32Array(1) }]),
    );
    await expect(bad).rejects.toThrow(ComputeThreadError);
    await expect(bad).rejects.toThrow(/not valid YAML/);
    const ctx = createComputeContext(parseSpecText(SPEC), createTaskFamily(parseSpecText(SPEC).tasks));
    const good = await thread.compute({ shardKind: 'train', jobId: 'job-3', specText: SPEC, files: NO_FILES, version: 0, shard: { index: 0, start: 0, end: 2 } }, () => Promise.resolve(initialMetaParams(ctx)));
    expect(good.metrics.map((m) => m.task)).toEqual([0, 1]);
  });

  it('abort stops a shard in the middle of its computation, and the next shard gets a new thread', async () => {
    const { thread } = await start();
    // A shard that takes seconds on wasm.
    const heavy = SPEC.replace('hidden: [16, 16]', 'hidden: [256, 256]').replace('shots: 5, queryShots: 5', 'shots: 50, queryShots: 50').replace('steps: 2', 'steps: 5');
    const heavyCtx = createComputeContext(parseSpecText(heavy), createTaskFamily(parseSpecText(heavy).tasks));
    let fetched = false;
    const computing = thread.compute({ shardKind: 'train', jobId: 'heavy', specText: heavy, files: NO_FILES, version: 0, shard: { index: 0, start: 0, end: 20 } }, () => {
      fetched = true;
      return Promise.resolve(initialMetaParams(heavyCtx));
    });
    while (!fetched) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = expect(computing).rejects.toThrow(new WorkerClosedError('shutdown grace period over'));
    await thread.abort('shutdown grace period over');
    await stopped;
    const ctx = createComputeContext(parseSpecText(SPEC), createTaskFamily(parseSpecText(SPEC).tasks));
    const next = await thread.compute({ shardKind: 'train', jobId: 'job-4', specText: SPEC, files: NO_FILES, version: 0, shard: { index: 0, start: 0, end: 1 } }, () => Promise.resolve(initialMetaParams(ctx)));
    expect(next.metrics).toHaveLength(1);
  });

  it('reports a forced backend it cannot use at create', async () => {
    await expect(ComputeThread.create({ backend: 'tensorflow', dataDir: process.cwd(), log: () => undefined })).rejects.toThrow(new BackendError('METATRAIN_BACKEND=tensorflow, but it cannot be used: tfjs-node-gpu and tfjs-node not installed; install @tensorflow/tfjs-node (or -gpu) 4.22.0 next to @tensorflow/tfjs'));
  });
});

describe('ComputeThread with a thread that crashes', () => {
  const entry = new URL('./testing/crash-on-request-thread.ts', import.meta.url);

  it('fails the shard it held and replaces the thread', async () => {
    const { thread, logs } = await start({ entry });
    const params = (): Promise<ParamSet> => Promise.resolve([{ name: 'w', shape: [2], values: new Float32Array([1, 2]) }]);
    const task = { specText: '', files: NO_FILES, version: 1, shard: { index: 0, start: 0, end: 1 } };
    await expect(thread.compute({ shardKind: 'train', jobId: 'crash', ...task }, params)).rejects.toThrow(/compute thread crashed: simulated crash/);
    expect(logs.some((l) => l.includes('starting a new compute thread'))).toBe(true);
    const after = await thread.compute({ shardKind: 'train', jobId: 'fine', ...task }, params);
    expect(after.sum[0]?.values).toEqual(new Float32Array([1, 2]));
  });

  it('fails the shard in progress on close, and refuses work afterwards', async () => {
    const { thread } = await start({ entry });
    let release: () => void = () => undefined;
    const slowFetch = new Promise<ParamSet>((resolve) => (release = () => resolve([])));
    const computing = thread.compute({ shardKind: 'train', jobId: 'slow', specText: '', files: NO_FILES, version: 1, shard: { index: 0, start: 0, end: 1 } }, () => slowFetch);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await thread.close();
    release();
    await expect(computing).rejects.toThrow(WorkerClosedError);
    await expect(thread.compute({ shardKind: 'train', jobId: 'x', specText: '', files: NO_FILES, version: 0, shard: { index: 0, start: 0, end: 1 } }, () => Promise.resolve([]))).rejects.toThrow(WorkerClosedError);
    await thread.close(); // idempotent
  });
});
