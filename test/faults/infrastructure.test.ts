import { setTimeout as sleep } from 'node:timers/promises';
import type { MetaState } from '@metatrain/core';
import { WorkerState } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { faultSpec } from './support/fault-spec';
import { FaultCluster, until, type WorkerHandle } from './support/fault-cluster';
import { expectReferenceBits, referenceState } from './support/reference';

// Scenarios 2, 3 and 4 of docs/RELIABILITY.md, one after the other on one cluster: the
// coordinator killed (kill -9) and started again, Redis restarted, the S3 endpoint gone
// during checkpoints and checkpoints damaged before a resume. The two workers run
// throughout; each holds every shard 150 ms (a test-only delay) so that a job lasts long
// enough for the damage to land in its middle.

const SPEC = (name: string, checkpointEvery: number, shardSize: number | 'auto' = 1) => faultSpec({ name, iterations: 12, checkpointEvery, keep: 4, seed: 41, shardSize });
const ROUNDS = 12;
/** Blocks per round; one block a shard unless the spec says auto. */
const SHARDS_PER_ROUND = 4;

let cluster: FaultCluster;
let reference: MetaState;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  // Any spec of this file gives the same bits: neither the name nor the shard size enters the maths.
  // A storage call gives up after 1.5 s here, so the 4 s outage below outlasts it and the job
  // itself has to wait.
  [cluster, reference] = await Promise.all([FaultCluster.create({ coordinatorEnv: { STORAGE_RETRY_DEADLINE_MS: '1500' } }), referenceState(SPEC('reference', 1))]);
  const slow = { METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: '150' };
  workers.push(...(await Promise.all([cluster.startWorker('steady-1', slow), cluster.startWorker('steady-2', slow)])));
});
afterAll(() => cluster?.close());

const accepted = () => cluster.metric('metatrain_shards_reported_total{status="accepted"}');
const roundAtLeast = (jobId: string, round: number) => cluster.waitForJob(jobId, (job) => job.roundsCompleted >= round);

describe('the coordinator killed with kill -9 mid-job and started again', () => {
  it('resumes from the newest complete checkpoint, the workers come back by themselves, same bits', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    // Shards sized for the workers (auto): the new coordinator, which starts before the workers
    // registered again, groups the blocks otherwise than the killed one did.
    const jobId = await cluster.api.submit(SPEC('coordinator-crash', 2, 'auto'));
    await roundAtLeast(jobId, 5);
    await cluster.killCoordinator();
    const newest = (await cluster.latestCheckpoint(jobId)).version;
    expect(newest).toBeGreaterThanOrEqual(4);

    const output: string[] = [];
    await cluster.startCoordinator({}, output);
    expect(output).toContain(`[coordinator] job ${jobId}: resuming from checkpoint round ${newest}`);
    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    // The new coordinator ran rounds newest … 11, accepting each of their blocks once: in
    // shards of one to four blocks, as the sizer chose for the workers registered by then.
    expect(await accepted()).toBeGreaterThanOrEqual(ROUNDS - newest);
    expect(await accepted()).toBeLessThanOrEqual((ROUNDS - newest) * SHARDS_PER_ROUND);
    for (const worker of workers) expect(worker.output).toContain(`[worker ${worker.id}] worker: the coordinator at ${cluster.grpcAddress} does not know this worker (restarted?); registering again`);
    await until(async () => (await cluster.api.workers()).filter((w) => w.state === WorkerState.ACTIVE).length === 2, 'both workers registered again');
  });
});

describe('Redis restarted mid-job (AOF, noeviction), down longer than the registry lease', () => {
  it('is reconnected to by the coordinator and the workers by themselves; the coordinator takes its lease back and resumes; same bits', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const before = await accepted();
    const jobId = await cluster.api.submit(SPEC('redis-restart', 2));
    await roundAtLeast(jobId, 3);
    const output = cluster.coordinator?.output ?? [];
    const from = output.length;
    await cluster.redis.stop?.();
    await sleep(5_000); // LEASE_TTL_MS is 3 s
    await cluster.redis.restart?.();

    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    const said = output.slice(from);
    expect(said).toContain('[coordinator] coordinator: lost the registry lease (expired); every job stops until this coordinator holds it again');
    expect(said).toContain('[coordinator] coordinator: holds the registry lease again; resuming the jobs from their checkpoints');
    expect(said).toContainEqual(expect.stringMatching(new RegExp(`^\\[coordinator\\] job ${jobId}: resuming from checkpoint round \\d+$`)));
    // Rounds after the checkpoint it resumed from were collected twice, so at least every shard once.
    expect((await accepted()) - before).toBeGreaterThanOrEqual(ROUNDS * SHARDS_PER_ROUND);
    for (const worker of workers) {
      expect(worker.output).toContainEqual(expect.stringMatching(new RegExp(`^\\[worker ${worker.id}\\] worker: Redis at 127\\.0\\.0\\.1:\\d+ unreachable: .* \\(reconnecting\\)$`)));
      expect(worker.output).toContainEqual(expect.stringMatching(new RegExp(`^\\[worker ${worker.id}\\] worker: Redis at 127\\.0\\.0\\.1:\\d+ is back$`)));
    }
  });
});

describe('the S3 endpoint away during checkpoints, then checkpoints damaged before a resume', () => {
  it('retries the writes with backoff, never takes a half-written or corrupted checkpoint, falls back to the previous one; same bits', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const jobId = await cluster.api.submit(SPEC('storage-faults', 1));
    await roundAtLeast(jobId, 2);
    const output = cluster.coordinator?.output ?? [];
    const linesBefore = output.length;
    await cluster.s3.outage?.(4_000); // a checkpoint every round: one is being written now
    // One line per retry, the waits growing (100 ms doubling, capped at 2 s, jittered).
    const retries = output.slice(linesBefore).filter((l) => l.includes(`coordinator: storage `) && l.includes(` jobs/${jobId}/checkpoints/`));
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(retries[0]).toMatch(/failed \((ECONNREFUSED|ECONNRESET|EPIPE)\); retry 1 in \d+ ms$/);
    const waits = retries.map((l) => Number(/in (\d+) ms$/.exec(l)?.[1]));
    expect(Math.max(...waits)).toBeGreaterThan(waits[0] ?? 0);
    // Past the call's deadline the job waits for the endpoint instead of failing.
    expect(output.slice(linesBefore)).toContainEqual(
      expect.stringMatching(new RegExp(`^\\[coordinator\\] coordinator: waiting for storage \\(job ${jobId}: checkpoint \\d+\\): S3 \\w+ .* still failing .* \\(retrying in 1 s\\)$`)),
    );

    await roundAtLeast(jobId, 7);
    await cluster.killCoordinator();
    const checkpoints = cluster.checkpoints(jobId);
    const complete = await checkpoints.versions();
    const newest = complete.at(-1) ?? 0;
    expect(complete.slice(-3)).toEqual([newest - 2, newest - 1, newest]); // keep: 4 (5 when killed before pruning)
    // A crash between the parts and the manifest leaves the parts without their manifest …
    const dir = (round: number) => `jobs/${jobId}/checkpoints/${String(round).padStart(8, '0')}`;
    await cluster.store.delete(`${dir(newest)}/MANIFEST.json`);
    // … and a flipped bit in storage leaves a part that fails its checksum.
    const params = (await cluster.store.get(`${dir(newest - 1)}/params.bin`)) as Uint8Array;
    params[params.length - 1] = (params[params.length - 1] ?? 0) ^ 1;
    await cluster.store.put(`${dir(newest - 1)}/params.bin`, params);

    const restarted: string[] = [];
    await cluster.startCoordinator({}, restarted);
    expect(restarted).toEqual(
      expect.arrayContaining([
        `[coordinator] job ${jobId}: checkpoint ${newest} skipped: round ${newest}: no MANIFEST.json (incomplete checkpoint)`,
        `[coordinator] job ${jobId}: checkpoint ${newest - 1} skipped: round ${newest - 1}: params.bin fails its sha256 check`,
        `[coordinator] job ${jobId}: resuming from checkpoint round ${newest - 2}`,
      ]),
    );
    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    expect(await accepted()).toBe((ROUNDS - (newest - 2)) * SHARDS_PER_ROUND);
  });
});
