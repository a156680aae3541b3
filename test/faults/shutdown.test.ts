import type { MetaState } from '@metatrain/core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { faultSpec } from './support/fault-spec';
import { FaultCluster } from './support/fault-cluster';
import { expectReferenceBits, referenceState } from './support/reference';

// Scenario 11 of docs/RELIABILITY.md: SIGTERM while Redis is gone. Closing waits for Redis
// (the lease, the registry, the queue), which may never come back: the coordinator and the
// worker must end anyway, within their bounds, and lose nothing.

const SPEC = faultSpec({ name: 'shutdown', iterations: 40, checkpointEvery: 2, keep: 4, seed: 47 });
const SHUTDOWN_TIMEOUT_MS = 2000;
const SHUTDOWN_GRACE_MS = 1000;

let cluster: FaultCluster;
let reference: MetaState;

beforeAll(async () => {
  [cluster, reference] = await Promise.all([FaultCluster.create({ coordinatorEnv: { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) } }), referenceState(SPEC)]);
});
afterAll(() => cluster?.close());

/** Sends SIGTERM and resolves with the exit code and how long the process took to end. */
function terminate(child: import('node:child_process').ChildProcess): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve({ code, ms: performance.now() - started }));
    child.kill('SIGTERM');
  });
}

describe('SIGTERM while Redis is gone', () => {
  it('ends the coordinator within SHUTDOWN_TIMEOUT_MS and the worker within its grace period, and the job resumes to the undisturbed bits', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const worker = await cluster.startWorker('stranded', { SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS), METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: '50' });
    const jobId = await cluster.api.submit(SPEC);
    await cluster.waitForJob(jobId, (job) => job.roundsCompleted >= 3);
    await cluster.redis.stop?.();

    const coordinator = cluster.coordinator?.child;
    if (!coordinator) throw new Error('no coordinator process');
    const [coordinatorEnd, workerEnd] = await Promise.all([terminate(coordinator), terminate(worker.process.child)]);
    // Bounded: the timeout (or grace) plus the time to start closing and to exit.
    expect(coordinatorEnd.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 4000);
    expect(coordinatorEnd.code).toBe(1);
    expect(cluster.coordinator?.output.some((line) => /did not finish within SHUTDOWN_TIMEOUT_MS \(2000 ms\); stopped without it/.test(line))).toBe(true);
    expect(workerEnd.ms).toBeLessThan(SHUTDOWN_GRACE_MS + 5000 + 4000);
    expect(worker.output.some((line) => /did not finish within SHUTDOWN_GRACE_MS \+ 5000 ms \(6000 ms\); stopped without it/.test(line))).toBe(true);

    // Nothing lost: with Redis back, a new coordinator and worker resume the job from its checkpoints.
    await cluster.redis.restart?.();
    await cluster.startCoordinator();
    await cluster.startWorker('fresh');
    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
  });
});
