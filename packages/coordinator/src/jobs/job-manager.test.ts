import { grpc } from '@metatrain/contract';
import { EXPORT_FILES, type ParamSet, paramsEqual, storageKeys } from '@metatrain/core';
import { CheckpointStore, MemoryStore, StorageError } from '@metatrain/storage';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, NotFoundError, toStatusError, UnavailableError } from '../grpc/grpc-errors';
import type { QueuedShard } from '../testing/memory-shard-queue';
import type { JobManager } from './job-manager';
import { computeAndReport, evalReport, settle, trainReport, work } from './testing/simulated-workers';
import { closeCoordinators, coordinator, ended, finalParams, GatedStore, RecordingRegistry, roundsDone, said, spec, weightsOf } from './testing/test-coordinator';

afterEach(async () => {
  vi.useRealTimers();
  await closeCoordinators();
});

const range = (start: number, end: number) => Array.from({ length: end - start }, (_, k) => start + k);

/** The parameters a job of `spec('sine')` ends with when nothing interrupts it. */
async function uninterrupted(): Promise<ParamSet> {
  const c = coordinator();
  const { id } = await c.manager.submit(spec('sine'));
  await work(c, ended(c, id));
  return finalParams(c.storage, id);
}

describe('JobManager', () => {
  it('runs a submitted job to SUCCEEDED, its registry record, events, metrics and export following the rounds', async () => {
    const c = coordinator();
    const submitted = await c.manager.submit(spec('sine'));
    expect(submitted).toMatchObject({ name: 'sine', state: 'RUNNING', roundsCompleted: 0, totalRounds: 6 });
    const id = submitted.id;
    expect(await work(c, ended(c, id))).toEqual([]);

    const checkpoint = (version: number) => `checkpoint ${version} memory:jobs/${id}/checkpoints/0000000${version}/`;
    expect(said(c, id)).toEqual(['state QUEUED', 'state RUNNING', 'round 0', 'round 1', checkpoint(2), 'round 2', 'eval 3', 'round 3', checkpoint(4), 'round 4', 'round 5', 'eval 6', checkpoint(6), 'state SUCCEEDED']);
    const values = (name: string) => c.published.filter((e) => e.jobId === id).flatMap(({ kind }) => (kind?.$case === name ? [kind.value] : []));
    expect(values('roundCompleted')).toEqual(
      range(0, 6).map((r) => ({ round: r, tasks: 8, metaLoss: r + 0.25, preLoss: 2 + r, postLoss: r + 0.25, outerLr: 0.01, roundMs: expect.any(Number), tasksPerSecond: expect.any(Number), workers: 2, backends: ['cpu'] })),
    );
    expect(values('evalCompleted')).toEqual([3, 6].map((v) => ({ version: v, tasks: 4, preLoss: 10 + v, postLoss: v + 0.375, evalMs: expect.any(Number), workers: 1 })));

    const backends = ['cpu'];
    expect(c.registry.changesOf(id)).toEqual([
      { state: 'RUNNING', roundsCompleted: 0 },
      // The job's one backend, the pool's workers' (WorkerTable.backendsOf), chosen at its first enqueue.
      { backend: 'cpu' },
      ...range(0, 6).map((r) => ({ roundsCompleted: r + 1, lastMetaLoss: r + 0.25, backends })),
      { state: 'SUCCEEDED' },
    ]);
    expect(await c.manager.get(id)).toMatchObject({ state: 'SUCCEEDED', roundsCompleted: 6, lastMetaLoss: 5.25, backends });

    expect(c.observer.submitted).toBe(1);
    expect(c.observer.rounds).toEqual(range(0, 6).map((r) => ({ jobId: id, round: r, tasks: 8, seconds: expect.any(Number), metaLoss: r + 0.25 })));
    expect(c.observer.checkpoints).toBe(3);
    expect(c.observer.overheads).toHaveLength(7); // 8 collections: 6 rounds, 2 evaluations
    expect(c.observer.finished).toEqual([id]);
    expect(c.log).toEqual([`job ${id}: succeeded after 6 rounds`]);

    const shardIds = (version: number, kinds: string[]) => kinds.map((k) => `${id}-r${version}-${k}`);
    expect(c.queue.added).toEqual([0, 1, 2, 3, 4, 5].flatMap((v) => shardIds(v, v === 3 ? ['e0-1', 'b0-1', 'b1-2'] : ['b0-1', 'b1-2'])).concat(shardIds(6, ['e0-1'])));
    expect(c.queue.waiting).toEqual([]);

    const exported = await Promise.all(EXPORT_FILES.map((name) => c.storage.get(storageKeys.coordinatorJob(id).exportFile(name))));
    expect(exported.every((bytes) => bytes !== undefined)).toBe(true);
    expect(exported[1]).toEqual(weightsOf(await finalParams(c.storage, id)));
    expect(JSON.parse(new TextDecoder().decode(exported[2]))).toEqual({ rounds: 6, backend: 'cpu', dataDir: process.cwd() });
  });

  it.each([
    ['a field the spec schema refuses', spec('sine').replace('lr: 0.01', 'lr: -1'), /^spec: outer\.lr: /],
    ['a size above the limits', spec('sine').replace('metaBatchSize: 8', 'metaBatchSize: 2000'), /^spec: outer\.metaBatchSize: 2,000 is above this coordinator's limit of 1,000 \(MAX_META_BATCH_SIZE\)$/],
    ['text that is no mapping', '- just\n- a list\n', /^spec: \(spec\): must be a mapping/],
  ])('refuses %s with INVALID_ARGUMENT naming the field, registering nothing', async (_what, text, message) => {
    const c = coordinator();
    const seen: string[] = [];
    c.events.subscribeAll((event) => seen.push(event.jobId));
    const refusal = await c.manager.submit(text).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(InvalidArgumentError);
    expect(toStatusError(refusal)).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(message) });
    expect(await c.manager.list()).toEqual([]);
    expect(seen).toEqual([]);
    expect(c.observer.submitted).toBe(0);
    expect(c.queue.added).toEqual([]);
  });

  it('answers each report by where the job is: DUPLICATE, STALE, not open yet, NOT_FOUND', async () => {
    const c = coordinator();
    const { id } = await c.manager.submit(spec('sine'));
    await work(c, roundsDone(c, id, 1)); // round 1's two shards wait
    const shard = c.queue.take() as QueuedShard;
    expect(shard.id).toBe(`${id}-r1-b0-1`);
    expect(await computeAndReport(c.manager, shard)).toBe('ACCEPTED');
    expect(await computeAndReport(c.manager, shard)).toBe('DUPLICATE');
    const theta1 = (await c.manager.getParameters(id, 1)) as ParamSet;
    expect(await c.manager.getParameters(id, 1)).toBe(theta1);
    expect(await c.manager.getParameters(id, 0)).toBeDefined(); // the version before, for late fetches
    // Version 2's shards are enqueued while round 1 runs (a worker taking one waits, see
    // queue-shards.test.ts); a version further ahead is not held.
    expect(c.queue.waiting.map((s) => s.id)).toEqual([`${id}-r1-b1-2`, `${id}-r2-b0-1`, `${id}-r2-b1-2`]);
    expect(await c.manager.getParameters(id, 3)).toBeUndefined();
    expect(await c.manager.reportShard(...trainReport({ ...shard, version: 0 }, theta1))).toBe('STALE');
    expect(await c.manager.reportShard(...trainReport({ ...shard, version: 3 }, theta1))).toEqual({ rejected: `version: 3 has no open round (job ${id} is at round 1)`, notOpenYet: true });
    expect(await c.manager.reportEval(evalReport({ ...shard, version: 3 }))).toEqual({ rejected: `version: 3 has no open evaluation (job ${id} is at round 1)`, notOpenYet: true });

    const unknown = { ...shard, jobId: 'nope-abcdef' };
    await expect(c.manager.reportShard(...trainReport(unknown, theta1))).rejects.toEqual(new NotFoundError('header.job_id', 'no job "nope-abcdef"'));
    await expect(c.manager.reportEval(evalReport(unknown))).rejects.toEqual(new NotFoundError('job_id', 'no job "nope-abcdef"'));
    await expect(c.manager.getParameters('nope-abcdef', 0)).rejects.toBeInstanceOf(NotFoundError);

    await work(c, ended(c, id));
    expect(await c.manager.reportShard(...trainReport({ ...shard, version: 5 }, theta1))).toBe('STALE');
    expect(await c.manager.getParameters(id, 6)).toBeUndefined();
  });

  it('answers a report UNAVAILABLE while the job stops on this coordinator, so nothing counts against its worker', async () => {
    const c = coordinator();
    const { id } = await c.manager.submit(spec('sine'));
    await work(c, roundsDone(c, id, 1));
    const shard = c.queue.take() as QueuedShard;
    const closing = c.manager.close();
    await expect(computeAndReport(c.manager, shard)).rejects.toEqual(new UnavailableError('header.job_id', `job ${id} is stopping on this coordinator; report again to the one that resumes it`));
    await closing;
  });

  it('cancels a running job: the loop stops, its queued shards go, later reports are STALE', async () => {
    const c = coordinator();
    const { id } = await c.manager.submit(spec('sine'));
    await work(c, roundsDone(c, id, 1));
    const held = c.queue.take() as QueuedShard; // a worker has fetched θ_1 and is computing it
    const theta1 = (await c.manager.getParameters(id, 1)) as ParamSet;
    expect(c.queue.waiting.map((s) => s.id)).toEqual([`${id}-r1-b1-2`, `${id}-r2-b0-1`, `${id}-r2-b1-2`]);
    const writes = await c.storage.list('');

    expect(await c.manager.cancel(id, 'not needed any more')).toMatchObject({ state: 'CANCELLED', error: 'not needed any more', roundsCompleted: 1 });
    expect(c.queue.waiting).toEqual([]);
    expect(await c.manager.reportShard(...trainReport(held, theta1))).toBe('STALE');
    await settle();
    expect(c.queue.added).toEqual([`${id}-r0-b0-1`, `${id}-r0-b1-2`, `${id}-r1-b0-1`, `${id}-r1-b1-2`, `${id}-r2-b0-1`, `${id}-r2-b1-2`]);
    expect(said(c, id).slice(-2)).toEqual(['round 0', 'state CANCELLED: not needed any more']);
    expect(c.observer.finished).toEqual([id]);
    // No checkpoint, no export: only the history of the round it ran.
    expect(await c.storage.list('')).toEqual([...writes, storageKeys.coordinatorJob(id).historyChunk(1)].sort());
    expect(await c.manager.cancel(id, 'again')).toMatchObject({ state: 'CANCELLED', error: 'not needed any more' });
  });

  it.each([
    {
      how: 'close() checkpoints the current version',
      end: (m: JobManager) => m.close(),
      checkpoints: [2, 3],
      written: ['MANIFEST.json', 'optimizer.bin', 'params.bin', 'state.json'].map((file) => `checkpoints/00000003/${file}`),
      waiting: (_id: string) => [],
      resumed: ['state RUNNING', 'eval 3', 'round 3'],
    },
    {
      how: 'suspend() writes nothing more',
      end: (m: JobManager) => m.suspend(),
      checkpoints: [2],
      written: [],
      // Suspended, the coordinator leaves the queue alone: the evaluation's shard stays.
      waiting: (id: string) => [`${id}-r3-e0-1`],
      resumed: ['state RUNNING', 'round 2', 'eval 3', 'round 3'],
    },
  ])('$how; a new manager on the same registry and storage resumes the job to the same bits', async ({ end, checkpoints, written, waiting, resumed }) => {
    const first = coordinator();
    const { id } = await first.manager.submit(spec('sine'));
    await work(first, roundsDone(first, id, 3)); // the evaluation of version 3 waits
    const eventsBefore = said(first, id);
    const keysBefore = await first.storage.list('');
    const changesBefore = first.registry.changesOf(id).length;
    await end(first.manager);
    expect(await new CheckpointStore(first.storage, storageKeys.coordinatorJob(id)).versions()).toEqual(checkpoints);
    const keysAfter = await first.storage.list('');
    const history = storageKeys.coordinatorJob(id).history; // job-history.test.ts follows it
    expect(keysAfter.filter((key) => !keysBefore.includes(key) && !key.startsWith(history))).toEqual(written.map((key) => `${storageKeys.coordinatorJob(id).root}${key}`));
    expect(first.registry.changesOf(id)).toHaveLength(changesBefore);
    expect(said(first, id).slice(eventsBefore.length)).toEqual(checkpoints.length > 1 ? [`checkpoint 3 memory:jobs/${id}/checkpoints/00000003/`] : []);
    expect(await first.manager.get(id)).toMatchObject({ state: 'RUNNING', roundsCompleted: 3 });
    expect(first.queue.waiting.map((s) => s.id)).toEqual(waiting(id));
    // This manager no longer runs the job: it holds no parameters, and a report finds nothing open.
    expect(await first.manager.getParameters(id, 3)).toBeUndefined();
    expect(await first.manager.reportEval(evalReport({ jobId: id, version: 3, blocks: { first: 0, count: 1 } }))).toBe('STALE');

    const second = coordinator(first);
    await second.manager.resumeAll();
    const resumedFrom = checkpoints.at(-1);
    expect(second.log).toEqual([`job ${id}: resuming from checkpoint round ${resumedFrom}`]);
    const refused = await work(second, ended(second, id));
    // A worker that takes the evaluation's shard before the resume reaches version 3 waits for
    // θ_3, hands the shard back and computes it once θ_3 is out: nothing is refused.
    expect(refused).toEqual([]);
    expect(said(second, id).slice(0, resumed.length)).toEqual(resumed);
    expect(said(second, id).at(-1)).toBe('state SUCCEEDED');
    expect(paramsEqual(await finalParams(second.storage, id), await uninterrupted())).toBe(true);
  });

  it.each([
    ['storage refuses to read them', 'get jobs/{id}/checkpoints/00000002/MANIFEST.json: Access Denied'],
    ["they hold another model's parameters", "checkpoint 2 does not match the job's parameters"],
  ])('fails a job whose checkpoints are unreadable (%s) alone, and runs the others', async (how, template) => {
    class DenyingStore extends MemoryStore {
      denied = '';
      override async get(key: string) {
        if (this.denied && key.startsWith(this.denied)) throw new StorageError(`get ${key}: Access Denied`, { operation: 'get', target: key, code: 'AccessDenied', transient: false, attempts: 1 });
        return super.get(key);
      }
    }
    const storage = new DenyingStore();
    const registry = new RecordingRegistry();
    const broken = await registry.createJob({ name: 'broken', spec: spec('broken'), totalRounds: 6 });
    const healthy = await registry.createJob({ name: 'healthy', spec: spec('healthy'), totalRounds: 6 });
    const params = [{ name: 'other', shape: [1], values: new Float32Array(1) }];
    await new CheckpointStore(storage, storageKeys.coordinatorJob(broken.id)).save({ version: 2, params, optimizer: [], state: { version: 2, optimizer: { kind: 'sgd', step: 2 } } });
    if (how.startsWith('storage')) storage.denied = storageKeys.coordinatorJob(broken.id).checkpoints;
    const message = template.replace('{id}', broken.id);

    const c = coordinator({ registry, storage });
    await c.manager.resumeAll();
    expect(c.log).toEqual([`job ${broken.id}: cannot start: ${message}`]);
    expect(await c.manager.get(broken.id)).toMatchObject({ state: 'FAILED', error: message });
    expect(said(c, broken.id)).toEqual([`state FAILED: ${message}`]);
    await work(c, ended(c, healthy.id));
    expect(said(c, healthy.id).at(-1)).toBe('state SUCCEEDED');
  });

  it('counts a refused checkpoint write and fails the job with its message', async () => {
    class RefusingStore extends MemoryStore {
      override async put(key: string, bytes: Uint8Array) {
        if (key.includes('/checkpoints/00000004/')) throw new StorageError(`put ${key}: Access Denied`, { operation: 'put', target: key, code: 'AccessDenied', transient: false, attempts: 1 });
        return super.put(key, bytes);
      }
    }
    const c = coordinator({ storage: new RefusingStore() });
    const { id } = await c.manager.submit(spec('refused'));
    await work(c, ended(c, id));
    expect(said(c, id).at(-1)).toMatch(/^state FAILED: put jobs\/.*\/checkpoints\/00000004\/.*: Access Denied$/);
    expect(c.observer.checkpoints).toBe(1);
    expect(c.observer.checkpointFailures).toBe(1);
    expect(c.logged.find((l) => l.line.startsWith(`job ${id}: failed: `))).toMatchObject({ jobId: id, level: 'error' });
  });

  it('keeps a job cancelled while it waits for its storage CANCELLED, and starts the others', async () => {
    const storage = new GatedStore();
    const registry = new RecordingRegistry();
    const slow = await registry.createJob({ name: 'alpha', spec: spec('alpha'), totalRounds: 6 });
    const other = await registry.createJob({ name: 'beta', spec: spec('beta'), totalRounds: 6 });
    const release = storage.hold(storageKeys.coordinatorJob(slow.id).root);
    const c = coordinator({ registry, storage });
    const resuming = c.manager.resumeAll();
    await settle();
    expect(await c.manager.cancel(slow.id, 'too slow')).toMatchObject({ state: 'CANCELLED', error: 'too slow' });
    release();
    await resuming;
    expect(c.log).toEqual([`job ${slow.id}: cancelled while it started`]);
    expect(await c.manager.get(slow.id)).toMatchObject({ state: 'CANCELLED', error: 'too slow' });
    expect(said(c, slow.id)).toEqual(['state CANCELLED: too slow']);
    await work(c, ended(c, other.id));
    expect(said(c, other.id).at(-1)).toBe('state SUCCEEDED');
    expect(c.queue.added.filter((shard) => shard.startsWith(slow.id))).toEqual([]);
  });

  it('runs nothing of a job still starting when suspend() came, until resumeAll()', async () => {
    const storage = new GatedStore();
    const registry = new RecordingRegistry();
    const job = await registry.createJob({ name: 'alpha', spec: spec('alpha'), totalRounds: 6 });
    const release = storage.hold(storageKeys.coordinatorJob(job.id).root);
    const c = coordinator({ registry, storage });
    const resuming = c.manager.resumeAll();
    await settle();
    await c.manager.suspend();
    release();
    await resuming;
    await settle();
    expect(await c.manager.get(job.id)).toMatchObject({ state: 'QUEUED' });
    expect(said(c, job.id)).toEqual([]);
    expect(c.queue.added).toEqual([]);
    expect(c.log).toEqual([]);
    // The lease back, the job starts as any other.
    await c.manager.resumeAll();
    await work(c, ended(c, job.id));
    expect(said(c, job.id)[0]).toBe('state RUNNING');
    expect(said(c, job.id).at(-1)).toBe('state SUCCEEDED');
  });

  it('asks again for a shard nobody reports, every shardDeadlineMs, and completes the round with the copy', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const c = coordinator({}, 1000);
    const { id } = await c.manager.submit(spec('lone', 3));
    await settle();
    const [first, lost] = [c.queue.take() as QueuedShard, c.queue.take() as QueuedShard];
    expect(lost.id).toBe(`${id}-r0-b1-2`); // its worker vanishes with it
    expect(await computeAndReport(c.manager, first)).toBe('ACCEPTED');
    vi.advanceTimersByTime(1000);
    await settle();
    expect(c.observer.reenqueued).toEqual([1]);
    // The copy goes first, before round 1's shards (enqueued while round 0 runs).
    expect(c.queue.waiting.map((s) => s.id)).toEqual([`${id}-r0-b1-2-a1`, `${id}-r1-b0-1`, `${id}-r1-b1-2`]);
    await work(c, roundsDone(c, id, 1));
    expect(c.queue.added).toEqual([`${id}-r0-b0-1`, `${id}-r0-b1-2`, `${id}-r1-b0-1`, `${id}-r1-b1-2`, `${id}-r0-b1-2-a1`, `${id}-r2-b0-1`, `${id}-r2-b1-2`]);
    await work(c, ended(c, id));
    expect(said(c, id).at(-1)).toBe('state SUCCEEDED');
    expect(c.observer.reenqueued).toEqual([1]);
  });
});
