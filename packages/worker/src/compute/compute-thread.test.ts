import { BackendError, createTaskFamily, groupBlocks, initialMetaParams, paramsEqual, type ParamSet, parseSpecText, planEvalBlocks, planRoundBlocks } from '@metatrain/core';
import { OMNIGLOT_ZIPS } from '@metatrain/core/testing';
import { computeEvalShard, computeShard, createComputeContext, selectBackend } from '@metatrain/metalearn';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ComputeThreadError, WorkerClosedError } from '../errors';
import { toShared } from '../cache/parameter-source';
import { ComputeThread } from './compute-thread';

const SPEC = `name: thread-test
algorithm: maml
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 2, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: 6, iterations: 3 }
blockSize: 2
eval: { everyRounds: 1, tasks: 6 }
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

  it('computes shards in its thread bit for bit as computeShard does here, block by block, from shared parameters', async () => {
    const { thread, logs } = await start();
    expect(thread.backend.name).toBe('wasm');
    expect(logs.join('\n')).toMatch(/^backend: wasm/);

    const ctx = createComputeContext(parseSpecText(SPEC), createTaskFamily(parseSpecText(SPEC).tasks));
    const theta = initialMetaParams(ctx);
    // As ParameterSource hands them out: one copy in shared memory for every shard.
    const shared = toShared(theta);
    const blocks = planRoundBlocks(ctx.spec); // 3 blocks of 2 tasks
    for (const range of groupBlocks([0, 1, 2], 2)) {
      const computed = await thread.compute({ shardKind: 'train', jobId: 'job-1', specText: SPEC, files: NO_FILES, version: 0, blocks: range }, shared);
      const local = computeShard(ctx, theta, 0, blocks.slice(range.first, range.first + range.count));
      expect(computed.sums).toHaveLength(range.count);
      computed.sums.forEach((sum, b) => expect(paramsEqual(sum, local[b]!.sum)).toBe(true));
      expect(computed.metrics).toEqual(local.flatMap((r) => r.metrics));
      expect(computed.computeMs).toBeGreaterThan(0);
    }
    // Shared, not moved: the arrays are still readable here.
    expect(paramsEqual(shared, theta)).toBe(true);
  });

  it('fails a shard whose blocks are not in the plan of its spec, naming them', async () => {
    const { thread } = await start();
    const ctx = createComputeContext(parseSpecText(SPEC), createTaskFamily(parseSpecText(SPEC).tasks));
    await expect(thread.compute({ shardKind: 'train', jobId: 'job-x', specText: SPEC, files: NO_FILES, version: 0, blocks: { first: 2, count: 2 } }, initialMetaParams(ctx))).rejects.toThrow(
      'shard message: first_block, block_count: blocks 2..3 are outside the 3 blocks (0..2) of the round',
    );
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
    const blocks = { first: 0, count: 1 };
    const copy = toShared(theta);
    const computed = await thread.compute({ shardKind: 'train', jobId: 'job-d', specText: spec, files, version: 0, blocks }, copy);
    expect(paramsEqual(computed.sums[0]!, computeShard(ctx, theta, 0, planRoundBlocks(ctx.spec))[0]!.sum)).toBe(true);
    // Without the path the thread cannot build the family: it says which dataset to fetch.
    await expect(thread.compute({ shardKind: 'train', jobId: 'job-n', specText: spec, files: NO_FILES, version: 0, blocks }, copy)).rejects.toThrow(
      'SpecError: tasks.dataset: omniglot-small1 is not fetched: run `metatrain data fetch omniglot-small1`',
    );
  });

  it('computes evaluation shards as computeEvalShard does here, held-out task indices and all, with no sum', async () => {
    const { thread } = await start();
    const ctx = createComputeContext(parseSpecText(SPEC), createTaskFamily(parseSpecText(SPEC).tasks));
    const theta = initialMetaParams(ctx);
    const computed = await thread.compute({ shardKind: 'eval', jobId: 'job-e', specText: SPEC, files: NO_FILES, version: 2, blocks: { first: 1, count: 2 } }, toShared(theta));
    expect(computed.sums).toEqual([]);
    expect(computed.metrics.map((m) => m.task)).toEqual([2, 3, 4, 5]);
    expect(computed.metrics).toEqual(computeEvalShard(ctx, theta, planEvalBlocks(ctx.spec).slice(1)).flatMap((b) => b.metrics));
    expect(computed.metrics.every((m) => m.preLoss !== m.postLoss)).toBe(true);
  });

  it('fails a shard whose spec the thread cannot use, and keeps working', async () => {
    const { thread } = await start();
    const bad = thread.compute({ shardKind: 'train', jobId: 'job-2', specText: 'name: [', files: NO_FILES, version: 0, blocks: { first: 0, count: 1 } }, [{ name: 'w', shape: [1], values: new Float32Array(1) }]);
    await expect(bad).rejects.toThrow(ComputeThreadError);
    await expect(bad).rejects.toThrow(/not valid YAML/);
    const ctx = createComputeContext(parseSpecText(SPEC), createTaskFamily(parseSpecText(SPEC).tasks));
    const good = await thread.compute({ shardKind: 'train', jobId: 'job-3', specText: SPEC, files: NO_FILES, version: 0, blocks: { first: 0, count: 1 } }, initialMetaParams(ctx));
    expect(good.metrics.map((m) => m.task)).toEqual([0, 1]);
  });

  it("the shard's signal stops it in the middle of its computation, and the next shard gets a new thread", async () => {
    const { thread } = await start();
    // A shard that takes seconds on wasm.
    const heavy = SPEC.replace('hidden: [16, 16]', 'hidden: [256, 256]').replace('shots: 5, queryShots: 5', 'shots: 50, queryShots: 50').replace('steps: 2', 'steps: 5').replace('metaBatchSize: 6', 'metaBatchSize: 20');
    const heavyCtx = createComputeContext(parseSpecText(heavy), createTaskFamily(parseSpecText(heavy).tasks));
    const controller = new AbortController();
    const computing = thread.compute({ shardKind: 'train', jobId: 'heavy', specText: heavy, files: NO_FILES, version: 0, blocks: { first: 0, count: 10 } }, initialMetaParams(heavyCtx), controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = expect(computing).rejects.toThrow(new WorkerClosedError('shutdown grace period over'));
    controller.abort(new WorkerClosedError('shutdown grace period over'));
    await stopped;
    const ctx = createComputeContext(parseSpecText(SPEC), createTaskFamily(parseSpecText(SPEC).tasks));
    const next = await thread.compute({ shardKind: 'train', jobId: 'job-4', specText: SPEC, files: NO_FILES, version: 0, blocks: { first: 0, count: 1 } }, initialMetaParams(ctx));
    expect(next.metrics).toHaveLength(2);
  });

  it('reports a forced backend it cannot use at create', async () => {
    await expect(ComputeThread.create({ backend: 'tensorflow', dataDir: process.cwd(), log: () => undefined })).rejects.toThrow(new BackendError('METATRAIN_BACKEND=tensorflow, but it cannot be used: tfjs-node-gpu and tfjs-node not installed; install @tensorflow/tfjs-node (or -gpu) 4.22.0 next to @tensorflow/tfjs'));
  });
});

describe('ComputeThread with a thread that crashes', () => {
  const entry = new URL('./testing/crash-on-request-thread.ts', import.meta.url);

  it('fails the shard it held and replaces the thread', async () => {
    const { thread, logs } = await start({ entry });
    const params: ParamSet = [{ name: 'w', shape: [2], values: new Float32Array([1, 2]) }];
    const task = { specText: '', files: NO_FILES, version: 1, blocks: { first: 0, count: 1 } };
    await expect(thread.compute({ shardKind: 'train', jobId: 'crash', ...task }, params)).rejects.toThrow(/compute thread crashed: simulated crash/);
    expect(logs.some((l) => l.includes('starting a new compute thread'))).toBe(true);
    const after = await thread.compute({ shardKind: 'train', jobId: 'fine', ...task }, params);
    expect(after.sums[0]?.[0]?.values).toEqual(new Float32Array([1, 2]));
  });

  it('fails the shard in progress on close, and refuses work afterwards', async () => {
    const { thread } = await start({ entry });
    // The stand-in busy-waits `version` ms.
    const computing = expect(thread.compute({ shardKind: 'train', jobId: 'slow', specText: '', files: NO_FILES, version: 2000, blocks: { first: 0, count: 1 } }, [])).rejects.toThrow(WorkerClosedError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await thread.close();
    await computing;
    await expect(thread.compute({ shardKind: 'train', jobId: 'x', specText: '', files: NO_FILES, version: 0, blocks: { first: 0, count: 1 } }, [])).rejects.toThrow(WorkerClosedError);
    await thread.close(); // idempotent
  });
});
