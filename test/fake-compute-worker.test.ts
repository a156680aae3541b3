import { grpc, type Job, JobServiceClient, JobState } from '@metatrain/contract';
import { type ShardEvent, Worker } from '@metatrain/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unary } from './support/grpc-calls';
import { type InProcessCoordinator, startInProcessCoordinator } from './support/in-process-coordinator';

// The compute stub (packages/worker/src/compute/testing/fake-compute.ts) in a real Worker
// against a real coordinator: its reports are well-formed enough for the coordinator to
// accept every one, and a job with evaluations runs to the end on it.

const SPEC = `name: stub-job
algorithm: maml
model: { kind: mlp, hidden: [8, 8] }
tasks: { family: sinusoid, shots: 5 }
outer: { lr: 0.001, metaBatchSize: 7, iterations: 4 }
blockSize: 2
shardSize: 1
eval: { everyRounds: 2, tasks: 3 }
`;

let started: InProcessCoordinator;
let client: JobServiceClient;

beforeAll(async () => {
  // The compute stub runs as cpu.
  started = await startInProcessCoordinator({ workerHeartbeatMs: 200, defaultBackend: 'cpu' });
  client = new JobServiceClient(started.coordinator.grpcAddress, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  await started?.close();
});

describe('a Worker with the compute stub', () => {
  it('runs a job to the end against a real coordinator, every report accepted', async () => {
    const events: ShardEvent[] = [];
    const worker = await Worker.create({
      coordinatorAddress: started.coordinator.grpcAddress,
      redisUrl: started.redis.url,
      queuePrefix: started.prefix,
      workerId: 'stub-a',
      fakeCompute: { msPerTask: 10 },
      log: () => undefined,
      onShard: (event) => events.push(event),
    });
    try {
      expect(worker.backend.device).toBe('compute stub (10 ms per task)');
      const { jobId } = await unary(client, client.submitJob, { spec: SPEC });
      let job: Job | undefined;
      const deadline = Date.now() + 60_000;
      while ((job = (await unary(client, client.getJob, { jobId })).job)?.state === JobState.RUNNING || job?.state === JobState.QUEUED) {
        if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(job)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(job).toMatchObject({ state: JobState.SUCCEEDED, roundsCompleted: 4 });
      // 4 rounds of 4 blocks (tasks 0-1, 2-3, 4-5, 6) and 2 evaluations of 2 blocks, one block per shard.
      const train = events.filter((e) => /-r\d+-b\d/.test(e.queueJobId));
      const evals = events.filter((e) => /-e\d/.test(e.queueJobId));
      expect(train).toHaveLength(16);
      expect(evals.length).toBeGreaterThanOrEqual(4);
      expect(events.filter((e) => e.outcome !== 'accepted')).toEqual([]);
      // A block of two tasks waits 20 ms on the timer (a timer may fire up to a millisecond early).
      expect(Math.min(...train.filter((e) => e.firstBlock < 3).map((e) => e.computeMs ?? 0))).toBeGreaterThanOrEqual(19);
    } finally {
      await worker.close();
    }
  });
});
