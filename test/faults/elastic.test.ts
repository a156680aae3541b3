import type { MetaState } from '@metatrain/core';
import { JobState } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { faultSpec } from './support/fault-spec';
import { FaultCluster, killHard, until } from './support/fault-cluster';
import { expectReferenceBits, referenceState } from './support/reference';

// shardSize: auto while the fleet changes: the coordinator sizes each collection's shards for
// the workers live at that moment, so workers that join and a worker that dies mid-round
// change how the blocks are grouped, never the bits.

const SPEC = faultSpec({ name: 'elastic', iterations: 30, metaBatchSize: 24, shardSize: 'auto', seed: 23 });

let cluster: FaultCluster;
let reference: MetaState;

beforeAll(async () => {
  [cluster, reference] = await Promise.all([FaultCluster.create(), referenceState(SPEC)]);
});
afterAll(() => cluster?.close());

describe('shardSize auto while workers join and one dies mid-round', () => {
  it('regroups the blocks for the live workers and ends with the undisturbed bits', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    // A slow worker (100 ms a shard) keeps the job going while the fleet changes.
    await cluster.startWorker('first', { METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: '100' });
    // The doomed worker holds every shard it takes until it is killed.
    const doomed = await cluster.startWorker('doomed', { METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: '600000' });
    const jobId = await cluster.api.submit(SPEC);
    let held = '';
    await until(async () => (held = (await cluster.api.workers()).find((w) => w.workerId === 'doomed')?.currentShard ?? '').startsWith(`${jobId}-`), 'the doomed worker to hold a shard');
    await killHard(doomed.process);
    await cluster.waitForJob(jobId, (job) => job.roundsCompleted >= 2);
    await cluster.startWorker('joiner');

    const job = await cluster.succeeded(jobId);
    expect(job.state).toBe(JobState.SUCCEEDED);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    // The dead worker's blocks came back (stalled recovery or the straggler deadline) and were
    // computed once more by the living.
    expect(held).toMatch(new RegExp(`^${jobId}-r\\d+-b\\d+-\\d+`));
    const joiner = (await cluster.api.workers()).find((w) => w.workerId === 'joiner');
    expect(joiner?.shardsDone).toBeGreaterThan(0);
  });
});
