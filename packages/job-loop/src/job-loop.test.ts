import { type EvalMetrics, EXPORT_FILES, type JobSpecInput, type ParamSet, paramsEqual, type RoundMetrics, sizeOf, storageKeys } from '@metatrain/core';
import { createJobSetup, createSinusoidFamily } from '@metatrain/core';
import { testSpec } from '@metatrain/core/testing';
import { type BlobStore, CheckpointStore, MemoryStore } from '@metatrain/storage';
import { describe, expect, it } from 'vitest';
import { CheckpointsExistError, SpecMismatchError } from './errors';
import { type JobEnd, JobLoop, type JobLoopOptions, type ModelExporter } from './job-loop';
import type { BlockCollection, CollectedBlocks, ShardRunner } from './shard-runner';

/**
 * Blocks computed by a formula of (version, block, params): deterministic like real blocks, a
 * thousand times faster. `hold` pauses a collection until the test releases it.
 */
class FormulaShards implements ShardRunner {
  readonly collections: string[] = [];
  /** What each collection said comes next. */
  readonly announced: string[] = [];
  private held: { key: string; release: () => void } | undefined;

  constructor(private readonly holdAt?: string) {}

  async collect(collection: BlockCollection, signal: AbortSignal): Promise<CollectedBlocks | undefined> {
    const key = `${collection.kind} ${collection.version}`;
    this.collections.push(key);
    const { next } = collection;
    this.announced.push(next ? `${next.kind} ${next.version} (${next.blocks.length} blocks)` : 'none');
    if (key === this.holdAt) {
      await new Promise<void>((release) => {
        this.held = { key, release };
        signal.addEventListener('abort', () => release(), { once: true });
      });
      if (signal.aborted) return undefined;
    }
    const blocks = collection.blocks.map((plan) => ({
      block: plan.index,
      sum: collection.kind === 'train' ? collection.params.map((p) => ({ ...p, values: p.values.map((v, k) => Math.sin(v + k + plan.index + collection.version)) })) : [],
      metrics: Array.from({ length: plan.end - plan.start }, (_, i) => ({ task: plan.start + i, preLoss: 2 + collection.version, postLoss: 1 + plan.index })),
      workerId: `w${plan.index % 2}`,
      backend: 'cpu',
    }));
    return { blocks, workers: ['w0', 'w1'].slice(0, Math.min(2, blocks.length)), backends: ['cpu'] };
  }

  /** Resolves once a collection is held. */
  async waitUntilHeld(): Promise<void> {
    while (!this.held) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A store that records the keys it is asked to write, in order. */
class RecordingStore extends MemoryStore {
  readonly writes: string[] = [];
  override async put(key: string, bytes: Uint8Array): Promise<void> {
    this.writes.push(key);
    await super.put(key, bytes);
  }
}

const exporter: ModelExporter = async (params, info) =>
  new Map(EXPORT_FILES.map((name) => [name, new TextEncoder().encode(JSON.stringify({ name, info, first: params[0]?.values[0] }))]));

/** The keys of the job under test: a coordinator's layout, so a key that escaped its root would show. */
const KEYS = storageKeys.coordinatorJob('job-1');

const SPEC: Partial<JobSpecInput> = { outer: { lr: 0.01, metaBatchSize: 8, iterations: 6 }, checkpoint: { everyRounds: 2, keep: 5 }, eval: { everyRounds: 3, tasks: 4 } };

/** What a loop told its observer, as short strings in order. */
function recorder() {
  const said: string[] = [];
  const rounds: RoundMetrics[] = [];
  const evals: EvalMetrics[] = [];
  const observer: JobLoopOptions['observer'] = {
    started: ({ version, resumed }) => void said.push(`started ${version}${resumed ? ' resumed' : ''}`),
    roundCompleted: (m) => void (rounds.push(m), said.push(`round ${m.round}`)),
    evalCompleted: (m) => void (evals.push(m), said.push(`eval ${m.version}`)),
    checkpointWritten: (version, location) => void said.push(`checkpoint ${version} ${location}`),
  };
  return { said, rounds, evals, observer };
}

function options(storage: BlobStore, shards: ShardRunner, extra: Partial<JobLoopOptions> = {}, spec = testSpec(SPEC)): JobLoopOptions {
  return { keys: KEYS, setup: createJobSetup(spec, createSinusoidFamily(spec.tasks as never)), shards, storage, exportModel: exporter, existing: 'resume', ...extra };
}

async function finalParams(storage: BlobStore): Promise<ParamSet> {
  const latest = await new CheckpointStore(storage, KEYS).loadLatest();
  if (!latest) throw new Error('no checkpoint');
  return latest.params;
}

describe('JobLoop', () => {
  it('tells the runner with each collection the one it runs next, and nothing after the last', async () => {
    const shards = new FormulaShards();
    expect(await (await JobLoop.open(options(new MemoryStore(), shards))).run()).toBe('succeeded');
    // Evaluations every 3 rounds of 6; meta-batch 8 and 4 evaluation tasks in blocks of 4.
    expect(shards.collections.slice(1)).toEqual(shards.announced.slice(0, -1).map((a) => a.replace(/ \(.*/, '')));
    expect(shards.announced.at(-1)).toBe('none');
    expect(shards.announced.slice(2, 4)).toEqual(['eval 3 (1 blocks)', 'train 3 (2 blocks)']);
  });

  it('runs rounds, evaluates and checkpoints on their cadence, exports at the end, and says so in order', async () => {
    const storage = new RecordingStore();
    const { said, rounds, evals, observer } = recorder();
    const loop = await JobLoop.open(options(storage, new FormulaShards(), { observer, backends: ['wasm'] }));
    expect(await loop.run()).toBe('succeeded');
    const ckpt = (v: number) => `checkpoint ${v} memory:${KEYS.checkpoint(v)}`;
    // Checkpoints are written while the next round runs: each is said after the round that
    // made its version, in version order, and all before the loop ends.
    expect(said.filter((line) => !line.startsWith('checkpoint'))).toEqual(['started 0', 'round 0', 'round 1', 'round 2', 'eval 3', 'round 3', 'round 4', 'round 5', 'eval 6']);
    expect(said.filter((line) => line.startsWith('checkpoint'))).toEqual([ckpt(2), ckpt(4), ckpt(6)]);
    for (const v of [2, 4, 6]) expect(said.indexOf(ckpt(v))).toBeGreaterThan(said.indexOf(`round ${v - 1}`));
    expect(loop.version).toBe(6);
    expect(rounds.map((r) => [r.round, r.tasks, r.workers, r.backends])).toEqual([0, 1, 2, 3, 4, 5].map((r) => [r, 8, 2, ['cpu']]));
    expect(rounds.every((r) => r.roundMs >= 0 && r.tasksPerSecond > 0 && r.outerLr === 0.01)).toBe(true);
    expect(evals.map((e) => [e.version, e.tasks, e.preLoss, e.postLoss, e.workers])).toEqual([
      [3, 4, 5, 1, 1],
      [6, 4, 8, 1, 1],
    ]);
    // The export comes last, meta.json last of all, labelled with every backend that computed the job.
    const exportKeys = EXPORT_FILES.map((name) => KEYS.exportFile(name));
    expect(storage.writes.slice(-3)).toEqual(exportKeys);
    const meta = JSON.parse(new TextDecoder().decode(await storage.get(exportKeys[2] as string))) as { info: unknown };
    expect(meta.info).toEqual({ rounds: 6, backend: 'cpu+wasm' });
    expect(storage.writes[0]).toBe(KEYS.spec);
  });

  it('resumes from its newest checkpoint and ends with the bits of an uninterrupted run', async () => {
    const straight = new MemoryStore();
    await (await JobLoop.open(options(straight, new FormulaShards()))).run();

    const storage = new MemoryStore();
    const held = new FormulaShards('train 5');
    const first = await JobLoop.open(options(storage, held));
    const running = first.run();
    await held.waitUntilHeld();
    first.abandon(); // as a crash: nothing more is written
    expect(await running).toBe('stopped');
    expect(await new CheckpointStore(storage, KEYS).versions()).toEqual([2, 4]);

    const { said, observer } = recorder();
    const again = await JobLoop.open(options(storage, new FormulaShards(), { observer }));
    expect(await again.run()).toBe('succeeded');
    expect(said.slice(0, 3)).toEqual(['started 4 resumed', 'round 4', 'round 5']);
    expect(paramsEqual(await finalParams(storage), await finalParams(straight))).toBe(true);
    expect(await storage.get(KEYS.exportFile('weights.bin'))).toEqual(await straight.get(KEYS.exportFile('weights.bin')));
  });

  it('on stop() checkpoints the current version and drops the round in flight', async () => {
    const storage = new MemoryStore();
    const held = new FormulaShards('train 3');
    const loop = await JobLoop.open(options(storage, held));
    const running = loop.run();
    await held.waitUntilHeld();
    loop.stop();
    expect(await running).toBe('stopped');
    expect(await new CheckpointStore(storage, KEYS).versions()).toEqual([2, 3]);
    expect(await storage.list(KEYS.export)).toEqual([]);
  });

  it.each<[string, (loop: JobLoop) => void, JobEnd]>([
    ['cancel()', (loop) => loop.cancel(), 'cancelled'],
    ['abandon()', (loop) => loop.abandon(), 'stopped'],
  ])('on %s writes nothing more', async (_what, end, expected) => {
    const storage = new RecordingStore();
    const held = new FormulaShards('train 3');
    const loop = await JobLoop.open(options(storage, held));
    const running = loop.run();
    await held.waitUntilHeld();
    const writes = storage.writes.length;
    end(loop);
    expect(await running).toBe(expected);
    expect(storage.writes.length).toBe(writes);
  });

  it('evaluates again on resume a version whose evaluation a stop cut short, before any round', async () => {
    const storage = new MemoryStore();
    const held = new FormulaShards('eval 3');
    const loop = await JobLoop.open(options(storage, held));
    const running = loop.run();
    await held.waitUntilHeld();
    loop.stop();
    expect(await running).toBe('stopped');
    expect((await new CheckpointStore(storage, KEYS).loadLatest())?.state).toMatchObject({ version: 3, evaluated: false });

    const { said, observer } = recorder();
    await (await JobLoop.open(options(storage, new FormulaShards(), { observer }))).run();
    expect(said.slice(0, 3)).toEqual(['started 3 resumed', 'eval 3', 'round 3']);
  });

  it('does not evaluate again a resumed version whose evaluation came before its checkpoint', async () => {
    const storage = new MemoryStore();
    const spec = testSpec({ ...SPEC, checkpoint: { everyRounds: 3, keep: 5 } });
    const held = new FormulaShards('train 4');
    const loop = await JobLoop.open(options(storage, held, {}, spec));
    const running = loop.run();
    await held.waitUntilHeld();
    loop.abandon();
    await running;
    const { said, observer } = recorder();
    await (await JobLoop.open(options(storage, new FormulaShards(), { observer }, spec))).run();
    expect(said.slice(0, 2)).toEqual(['started 3 resumed', 'round 3']);
  });

  it('refuses existing checkpoints when told to, and checkpoints of another spec always', async () => {
    const storage = new MemoryStore();
    await (await JobLoop.open(options(storage, new FormulaShards()))).run();
    await expect(JobLoop.open(options(storage, new FormulaShards(), { existing: 'refuse' }))).rejects.toEqual(new CheckpointsExistError('job-1', 6));
    const other = testSpec({ ...SPEC, seed: 99 });
    await expect(JobLoop.open(options(storage, new FormulaShards(), {}, other))).rejects.toBeInstanceOf(SpecMismatchError);
    // Where a job runs is not what it computes: other resources resume.
    const elsewhere = testSpec({ ...SPEC, resources: { pool: 'gpu', backend: 'wasm' } });
    await expect(JobLoop.open(options(storage, new FormulaShards(), {}, elsewhere))).resolves.toBeDefined();
  });

  it('runs every checkpoint and export write through storageStep, and fails the run when one fails', async () => {
    const steps: string[] = [];
    const storage = new MemoryStore();
    const loop = await JobLoop.open(
      options(storage, new FormulaShards(), {
        storageStep: async (what, step) => {
          steps.push(what);
          if (what === 'checkpoint 4') throw new Error('the bucket is gone');
          return step();
        },
      }),
    );
    await expect(loop.run()).rejects.toThrow('the bucket is gone');
    expect(steps).toEqual(['resume', 'spec', 'checkpoint 2', 'checkpoint 4']);
  });

  it('tells the observer of every failed checkpoint attempt, retried or final', async () => {
    const failed: string[] = [];
    /** Checkpoint 2's first two manifests fail (an outage the step waits out); checkpoint 4's fails for good. */
    class FailingStore extends MemoryStore {
      private checkpoint2Failures = 2;
      override async put(key: string, bytes: Uint8Array): Promise<void> {
        if (key.endsWith('checkpoints/00000002/MANIFEST.json') && this.checkpoint2Failures > 0) {
          this.checkpoint2Failures--;
          throw new Error('storage away');
        }
        if (key.includes('checkpoints/00000004/')) throw new Error('bucket gone');
        await super.put(key, bytes);
      }
    }
    const loop = await JobLoop.open(
      options(new FailingStore(), new FormulaShards(), {
        observer: { checkpointFailed: (version, error) => failed.push(`${version}: ${(error as Error).message}`) },
        storageStep: async (what, step) => {
          for (;;) {
            try {
              return await step();
            } catch (error) {
              if (what === 'checkpoint 4') throw error;
            }
          }
        },
      }),
    );
    await expect(loop.run()).rejects.toThrow('bucket gone');
    expect(failed).toEqual(['2: storage away', '2: storage away', '4: bucket gone']);
  });

  it('runs the next round while a checkpoint is written, and writes one checkpoint at a time', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { said, observer } = recorder();
    const loop = await JobLoop.open(
      options(new MemoryStore(), new FormulaShards(), {
        observer,
        // Checkpoint 2 waits until round 3 is done; checkpoint 4 must wait for it.
        storageStep: async (what, step) => {
          if (what === 'checkpoint 2') await held;
          return step();
        },
      }),
    );
    const running = loop.run();
    while (!said.includes('round 3')) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(said).not.toContain('round 4');
    expect(said.some((line) => line.startsWith('checkpoint'))).toBe(false);
    release();
    expect(await running).toBe('succeeded');
    const checkpoints = said.filter((line) => line.startsWith('checkpoint')).map((line) => line.split(' ')[1]);
    expect(checkpoints).toEqual(['2', '4', '6']);
  });

  it('starts a fresh job from θ0 in the layout of its spec', async () => {
    const spec = testSpec(SPEC);
    const setup = createJobSetup(spec, createSinusoidFamily(spec.tasks as never));
    const formula = new FormulaShards();
    const collected: BlockCollection[] = [];
    const shards: ShardRunner = { collect: (c, signal) => (collected.push(c), formula.collect(c, signal)) };
    await (await JobLoop.open({ ...options(new MemoryStore(), shards), setup })).run();
    expect(collected[0]).toMatchObject({ kind: 'train', version: 0, blocks: [{ index: 0, start: 0, end: 4 }, { index: 1, start: 4, end: 8 }] });
    // The evaluation's 4 tasks in blocks of the same size.
    expect(collected[3]).toMatchObject({ kind: 'eval', version: 3, blocks: [{ index: 0, start: 0, end: 4 }] });
    expect(collected[0]?.params.map((p) => [p.name, p.values.length])).toEqual(setup.layout.map((p) => [p.name, sizeOf(p.shape)]));
    expect(collected.map((c) => `${c.kind} ${c.version}`)).toEqual(['train 0', 'train 1', 'train 2', 'eval 3', 'train 3', 'train 4', 'train 5', 'eval 6']);
  });

  it('fails, rather than exports, when blocks come back without results it did not ask to stop', async () => {
    const storage = new MemoryStore();
    const loop = await JobLoop.open(options(storage, { collect: async () => undefined }));
    await expect(loop.run()).rejects.toThrow('round 0: the blocks ended without results, and the job was not stopped');
    expect(await storage.list(KEYS.export)).toEqual([]);
  });
});
