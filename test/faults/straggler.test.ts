import type { MetaState } from '@metatrain/core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { faultSpec } from './support/fault-spec';
import { FaultCluster, until } from './support/fault-cluster';
import { expectReferenceBits, referenceState } from './support/reference';

// Scenario 7 of docs/RELIABILITY.md: a worker that holds its shard far too long (a test-only
// delay) while staying alive, renewing its lock and heartbeating. The round must not wait
// for it: after SHARD_DEADLINE_MS (2 s here) the coordinator enqueues the missing shard
// again, another worker computes it, and the straggler's late copy is ignored.

const SPEC = faultSpec({ name: 'straggler', iterations: 5, seed: 29 });
const SHARDS = 5 * 4;
// Long enough for the other worker to start and finish the whole job first, on a loaded machine.
const STRAGGLER_DELAY_MS = 15_000;

let cluster: FaultCluster;
let reference: MetaState;

beforeAll(async () => {
  [cluster, reference] = await Promise.all([FaultCluster.create(), referenceState(SPEC)]);
});
afterAll(() => cluster?.close());

describe('a straggler', () => {
  it('does not hold the round: its shard is enqueued again after the deadline, the first result wins, the late copy is STALE', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const straggler = await cluster.startWorker('straggler', { METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: String(STRAGGLER_DELAY_MS), METATRAIN_LOG: 'debug' });
    const jobId = await cluster.api.submit(SPEC);
    let held = '';
    await until(async () => (held = (await cluster.api.workers()).find((w) => w.workerId === 'straggler')?.currentShard ?? '') !== '', 'the straggler to hold a shard');
    const fast = await cluster.startWorker('fast');

    await cluster.succeeded(jobId);
    expect(straggler.output.filter((l) => l.includes(`shard ${held} `))).toEqual([]); // still holding it: the job did not wait
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    expect(await cluster.metric('metatrain_shards_reenqueued_total')).toBeGreaterThanOrEqual(1);
    expect(await cluster.metric('metatrain_shards_reported_total{status="accepted"}')).toBe(SHARDS);
    const workers = await cluster.api.workers();
    expect(workers.map((w) => [w.workerId, w.shardsDone])).toEqual([
      ['fast', SHARDS],
      ['straggler', 0],
    ]);

    // The straggler's copy arrives after all: answered STALE (its round closed), counted nowhere.
    await until(() => straggler.output.some((l) => l.includes(`shard ${held} `)), 'the late report', STRAGGLER_DELAY_MS + 30_000);
    expect(straggler.output).toContainEqual(expect.stringMatching(new RegExp(`worker: shard ${held} stale: the round is closed`)));
    // At least the straggler's: on a loaded machine the missing block may have been enqueued
    // again twice (every deadline), and *fast*'s second copy is stale too when it lands after the round.
    expect(await cluster.metric('metatrain_shards_reported_total{status="stale"}')).toBeGreaterThanOrEqual(1);
    expect(await cluster.metric('metatrain_shards_reported_total{status="accepted"}')).toBe(SHARDS);
    expect((await cluster.api.workers()).find((w) => w.workerId === 'straggler')?.shardsDone).toBe(0);
    await fast.process.stop();
  });
});
