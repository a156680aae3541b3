import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { grpc, JobServiceClient, WorkerServiceClient } from '@metatrain/contract';
import type { MetaState } from '@metatrain/core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { faultSpec } from './support/fault-spec';
import { FaultCluster, killHard, type WorkerHandle } from './support/fault-cluster';
import { expectReferenceBits, referenceState } from './support/reference';

// Scenario 12 of docs/RELIABILITY.md: SIGTERM while the gRPC peer stalls. A stalled peer keeps
// its connection open and answers nothing (here: a process stopped with SIGSTOP, and calls
// opened and never finished). The worker must end within its grace period although its call
// to the coordinator never returns; the coordinator must end although calls to it never end.

const SPEC = faultSpec({ name: 'stalled-peer', iterations: 60, checkpointEvery: 2, keep: 4, seed: 53 });
const SHUTDOWN_GRACE_MS = 1000;
/** The coordinator's bound; its gRPC server forces open calls shut after 5 s, well within it. */
const SHUTDOWN_TIMEOUT_MS = 15_000;
/** Shards take 50 ms, so the job is mid-round whenever a peer is stopped. */
const SLOW_WORKER_ENV = { SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS), METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: '50' };

let cluster: FaultCluster;
let reference: MetaState;

beforeAll(async () => {
  [cluster, reference] = await Promise.all([FaultCluster.create({ coordinatorEnv: { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) } }), referenceState(SPEC)]);
});
afterAll(() => cluster?.close());

/** Sends SIGTERM and resolves with the exit code and how long the process took to end. */
function terminate(child: ChildProcess): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve({ code, ms: performance.now() - started }));
    child.kill('SIGTERM');
  });
}

function coordinatorProcess(): ChildProcess {
  const child = cluster.coordinator?.child;
  if (!child) throw new Error('no coordinator process');
  return child;
}

describe('SIGTERM while the gRPC peer stalls', () => {
  let jobId: string;
  let survivor: WorkerHandle;

  it('ends a worker whose coordinator stopped answering after its grace period, and loses nothing', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const worker = await cluster.startWorker('stranded', SLOW_WORKER_ENV);
    jobId = await cluster.api.submit(SPEC);
    await cluster.waitForJob(jobId, (job) => job.roundsCompleted >= 3);

    coordinatorProcess().kill('SIGSTOP');
    await sleep(500); // the worker's next call (a report or a parameter fetch) is now waiting for an answer
    const end = await terminate(worker.process.child);
    coordinatorProcess().kill('SIGCONT');

    expect(end.code).toBe(0); // every step of the close ended: none waited for the coordinator
    expect(end.ms).toBeLessThan(SHUTDOWN_GRACE_MS + 5000);
    survivor = await cluster.startWorker('survivor', SLOW_WORKER_ENV);
    await cluster.waitForJob(jobId, (job) => job.roundsCompleted >= 10);
  });

  it('ends the coordinator whose worker and clients stopped mid-call within SHUTDOWN_TIMEOUT_MS, and the job resumes to the undisturbed bits', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const version = (await cluster.api.job(jobId)).roundsCompleted;
    const workers = new WorkerServiceClient(cluster.grpcAddress, grpc.credentials.createInsecure());
    const jobs = new JobServiceClient(cluster.grpcAddress, grpc.credentials.createInsecure());
    try {
      // A report whose header arrived and whose tensors never come.
      const report = workers.reportShard({ deadline: Date.now() + 120_000 }, () => undefined);
      report.write({ payload: { $case: 'header', value: { jobId, version, firstBlock: 0, blockCount: 1, workerId: 'stalled-client', backend: 'wasm', taskMetrics: [], computeMs: 1 } } });
      // A watcher that stops reading.
      const watch = jobs.watchJob({ jobId, historyOnly: false });
      watch.on('error', () => undefined);
      watch.pause();
      // And the worker itself, stopped between two calls or in one.
      survivor.process.child.kill('SIGSTOP');
      await sleep(300);

      const end = await terminate(coordinatorProcess());
      expect(end.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect(end.code).toBe(0);
    } finally {
      workers.close();
      jobs.close();
    }

    await killHard(survivor.process);
    await cluster.startCoordinator();
    await cluster.startWorker('fresh');
    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
  });
});
