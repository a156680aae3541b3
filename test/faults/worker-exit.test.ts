import type { MetaState } from '@metatrain/core';
import { type WorkerInfo, WorkerState } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { faultSpec } from './support/fault-spec';
import { FaultCluster, killHard, until, type WorkerHandle } from './support/fault-cluster';
import { expectReferenceBits, referenceState } from './support/reference';
import { freePort } from '../support/free-port';

// Scenarios 1 and 8 of docs/RELIABILITY.md: a worker dies (kill -9) or is told to stop
// (SIGTERM) while it holds a shard. The straggler deadline is set out of reach here, so that
// only the worker-side mechanisms can bring a shard back: BullMQ's stalled-job recovery after
// the dead worker's lock expires, and the hand-back of a stopping worker.

const SPEC = faultSpec({ name: 'worker-exit', iterations: 6, checkpointEvery: 3, seed: 17 });
/** 6 rounds of 4 blocks, one block a shard. */
const SHARDS = 6 * 4;
const HOLD_FOREVER = { METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: '600000' };

let cluster: FaultCluster;
let reference: MetaState;

beforeAll(async () => {
  [cluster, reference] = await Promise.all([FaultCluster.create({ coordinatorEnv: { SHARD_DEADLINE_MS: '600000' } }), referenceState(SPEC)]);
});
afterAll(() => cluster?.close());

async function worker(id: string): Promise<WorkerInfo> {
  const found = (await cluster.api.workers()).find((w) => w.workerId === id);
  if (!found) throw new Error(`worker ${id} is not listed`);
  return found;
}

/** Waits until the worker's heartbeat says it holds a shard of the job; returns the shard's queue id. */
async function heldShard(handle: WorkerHandle, jobId: string): Promise<string> {
  let shard = '';
  await until(async () => (shard = (await worker(handle.id)).currentShard).startsWith(`${jobId}-`), `${handle.id} to hold a shard`);
  return shard;
}

const exitOf = (handle: WorkerHandle) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const { child } = handle.process;
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

describe('a worker killed with kill -9 while it holds a shard', () => {
  it('loses nothing: another worker recomputes the shard, the job ends with the undisturbed bits, each shard accepted once', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const doomed = await cluster.startWorker('doomed', HOLD_FOREVER);
    const jobId = await cluster.api.submit(SPEC);
    const shard = await heldShard(doomed, jobId);
    const survivor = await cluster.startWorker('survivor');
    await killHard(doomed.process);

    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    // Every shard once, the dead worker's included, and all by the survivor.
    expect(await cluster.metric('metatrain_shards_reported_total{status="accepted"}')).toBe(SHARDS);
    expect(await cluster.metric('metatrain_shards_reenqueued_total')).toBe(0); // BullMQ's stalled recovery did it
    expect((await worker(survivor.id)).shardsDone).toBe(SHARDS);
    expect(await worker(doomed.id)).toMatchObject({ shardsDone: 0 });
    expect(shard).toMatch(new RegExp(`^${jobId}-r0-b\\d-\\d$`));
    await until(async () => (await worker(doomed.id)).state === WorkerState.LOST, 'the dead worker to show LOST');
    await survivor.process.stop();
  });
});

describe('a worker of two compute threads killed with kill -9 while it holds two shards', () => {
  it('loses nothing: both shards come back, the job ends with the undisturbed bits, each shard accepted once', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const accepted = await cluster.metric('metatrain_shards_reported_total{status="accepted"}');
    const doomed = await cluster.startWorker('doomed-2t', { ...HOLD_FOREVER, WORKER_THREADS: '2' });
    const jobId = await cluster.api.submit(SPEC);
    let held: string[] = [];
    await until(async () => (held = (await worker(doomed.id)).currentShard.split(',').filter((s) => s.startsWith(`${jobId}-`))).length === 2, `${doomed.id} to hold two shards`);
    const httpPort = await freePort();
    const survivor = await cluster.startWorker('survivor-2t', { WORKER_THREADS: '2', WORKER_HTTP_PORT: String(httpPort) });
    await killHard(doomed.process);
    try {
      await cluster.succeeded(jobId);
      expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
      expect((await cluster.metric('metatrain_shards_reported_total{status="accepted"}')) - accepted).toBe(SHARDS);
      expect((await worker(survivor.id)).shardsDone).toBe(SHARDS);
      expect(await worker(doomed.id)).toMatchObject({ shardsDone: 0, threads: 2 });
      expect(held.every((id) => new RegExp(`^${jobId}-r0-b\\d-\\d$`).test(id))).toBe(true);
      // The coordinator announced each new θ on Redis and the survivor heard it. (Whether a
      // prefetch follows depends on whether a shard enqueued ahead already asked; GetParameters
      // calls that found a version not out yet count too: at least one call per version.)
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const value = (name: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
      expect(value('metatrain_worker_threads')).toBe(2);
      expect(value('metatrain_worker_parameter_fetches_total')).toBeGreaterThanOrEqual(6);
      expect(value('metatrain_worker_parameter_announcements_total')).toBeGreaterThan(0);
    } finally {
      // Gone before the next scenario, which counts every shard per worker.
      await survivor.process.stop();
    }
  });
});

describe('a worker sent SIGTERM while it holds a shard', () => {
  it('finishes the shard within the grace period, or hands it back once the grace period is over; nothing is lost', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const accepted = await cluster.metric('metatrain_shards_reported_total{status="accepted"}');
    const finisher = await cluster.startWorker('finisher', { METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: '1500', SHUTDOWN_GRACE_MS: '30000', METATRAIN_LOG: 'debug' });
    const quitter = await cluster.startWorker('quitter', { ...HOLD_FOREVER, SHUTDOWN_GRACE_MS: '300', METATRAIN_LOG: 'debug' });
    const jobId = await cluster.api.submit(SPEC);
    const [finished, handedBack] = await Promise.all([heldShard(finisher, jobId), heldShard(quitter, jobId)]);
    finisher.process.child.kill('SIGTERM');
    quitter.process.child.kill('SIGTERM');
    expect(await exitOf(quitter)).toEqual({ code: 0, signal: null });
    expect(quitter.output).toContain(`[worker quitter] worker: handed shard ${handedBack} back to the queue`);
    expect(quitter.output.filter((l) => l.includes(`worker: shard ${handedBack}`))).toEqual([
      expect.stringMatching(/worker: shard \S+ handed-back: the worker shut down before the shard was reported \(compute \d+ ms, total \d+ ms\)$/),
    ]);
    expect(await exitOf(finisher)).toEqual({ code: 0, signal: null });
    expect(finisher.output).toContainEqual(expect.stringMatching(new RegExp(`^\\[worker finisher\\] worker: shard ${finished} accepted \\(compute \\d+ ms, total \\d+ ms\\)$`)));

    const helper = await cluster.startWorker('helper');
    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    expect((await cluster.metric('metatrain_shards_reported_total{status="accepted"}')) - accepted).toBe(SHARDS);
    expect((await worker(finisher.id)).shardsDone).toBe(1);
    expect((await worker(quitter.id)).shardsDone).toBe(0);
    expect((await worker(helper.id)).shardsDone).toBe(SHARDS - 1);
    // Normal output stays quiet: the backend line (the ready line is taken by the fixture).
    expect(helper.output).toEqual([expect.stringMatching(/^\[worker helper\] backend: wasm/)]);
  });
});
