import { setTimeout as sleep } from 'node:timers/promises';
import type { MetaState } from '@metatrain/core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { faultSpec } from './support/fault-spec';
import { FaultCluster, until } from './support/fault-cluster';
import { expectReferenceBits, referenceState } from './support/reference';

// Scenario 9 of docs/RELIABILITY.md: the cluster started in the wrong order — a worker first,
// then the coordinator, Redis last. Both wait with a line saying what for, neither crashes,
// and once Redis is up they serve and train as if started in order.

const SPEC = faultSpec({ name: 'late-redis', iterations: 4, seed: 43 });

let cluster: FaultCluster;
let reference: MetaState;

beforeAll(async () => {
  [cluster, reference] = await Promise.all([FaultCluster.create({ startCoordinator: false }), referenceState(SPEC)]);
});
afterAll(() => cluster?.close());

describe('Redis down when a worker and the coordinator start', () => {
  it('makes both wait with a clear line and no crash; they start working once Redis is up', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    await cluster.redis.stop?.();
    const port = new URL(cluster.redis.url).port;
    const workerOutput: string[] = [];
    const coordinatorOutput: string[] = [];
    const worker = cluster.startWorker('early', {}, workerOutput);
    const waitingWorker = `[worker early] worker: waiting for Redis at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (retrying)`;
    await until(() => workerOutput.includes(waitingWorker), 'the worker to wait for Redis');
    const coordinator = cluster.startCoordinator({}, coordinatorOutput);
    const waitingCoordinator = `[coordinator] coordinator: waiting for Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (retrying in 1 s)`;
    await until(() => coordinatorOutput.includes(waitingCoordinator), 'the coordinator to wait for Redis');
    await sleep(2_000); // still waiting, still alive
    expect(coordinatorOutput.filter((l) => l.includes('waiting for Redis')).length).toBeGreaterThanOrEqual(2);
    expect(workerOutput.filter((l) => l.includes('waiting for Redis'))).toEqual([waitingWorker]); // once per outage, not once per attempt

    await cluster.redis.restart?.();
    await Promise.all([coordinator, worker]);
    const jobId = await cluster.api.submit(SPEC);
    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    expect(await cluster.metric('metatrain_shards_reported_total{status="accepted"}')).toBe(4 * 4);
  });
});
