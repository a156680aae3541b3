import { type BlockResult, computeShard, createComputeContext } from '@metatrain/metalearn';
import { createTaskFamily, type MetaState, type ParamSet, parseSpecText, planRoundBlocks } from '@metatrain/core';
import { fetchParameters, grpc, type ReportHeader, reportShard, ReportStatus, WorkerServiceClient } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { faultSpec } from './support/fault-spec';
import { FaultCluster } from './support/fault-cluster';
import { expectReferenceBits, referenceState } from './support/reference';

// Scenario 6 of docs/RELIABILITY.md: the same shard reported twice (a retry, a straggler's
// copy — with other bits, even), a shard overlapping blocks already held (another grouping)
// and a shard of a round already closed, over real gRPC to a real coordinator process. No
// worker processes: this test is the worker, so it decides exactly what arrives when.

const SPEC = faultSpec({ name: 'duplicate-late', iterations: 3, metaBatchSize: 4, seed: 37 });

let cluster: FaultCluster;
let reference: MetaState;
let client: WorkerServiceClient;
const spec = parseSpecText(SPEC);
/** Two blocks of two tasks. */
const blocks = planRoundBlocks(spec);

/** One shard's results: its blocks, computed from θ_round. */
interface Shard {
  round: number;
  results: BlockResult[];
}

beforeAll(async () => {
  [cluster, reference] = await Promise.all([FaultCluster.create(), referenceState(SPEC)]);
  client = new WorkerServiceClient(cluster.grpcAddress, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  await cluster?.close();
});

const deadline = () => new Date(Date.now() + 30_000);

describe('duplicate and late reports', () => {
  it('are answered DUPLICATE and STALE and leave the parameters as the undisturbed run has them', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
    const jobId = await cluster.api.submit(SPEC);
    /** Shards of one block each: [block 0], [block 1]. */
    const compute = async (round: number): Promise<Shard[]> => {
      const params = await fetchParameters(client, jobId, round, deadline());
      return blocks.map((block) => ({ round, results: computeShard(ctx, params, round, [block]) }));
    };
    const send = async (shard: Shard, sums: ParamSet[] = shard.results.map((r) => r.sum)): Promise<{ status: ReportStatus; reason: string }> => {
      const header: ReportHeader = {
        jobId,
        version: shard.round,
        firstBlock: shard.results[0]!.block,
        blockCount: shard.results.length,
        workerId: 'probe',
        backend: 'wasm',
        taskMetrics: shard.results.flatMap((r) => r.metrics).map((m) => ({ taskIndex: m.task, preLoss: m.preLoss, postLoss: m.postLoss })),
        computeMs: 1,
      };
      return reportShard(client, header, sums, deadline());
    };

    const round0 = await compute(0);
    const [s0, s1] = round0 as [Shard, Shard];
    expect(await send(s0)).toEqual({ status: ReportStatus.ACCEPTED, reason: '' });
    expect(await send(s0)).toMatchObject({ status: ReportStatus.DUPLICATE, reason: expect.stringContaining('first result wins') });
    // A copy with other bits (another backend, a bug): still the first one counts.
    const doubled = s0.results.map((r) => r.sum.map((p) => ({ ...p, values: p.values.map((v) => v * 2) })));
    expect(await send(s0, doubled)).toMatchObject({ status: ReportStatus.DUPLICATE });
    // Both blocks in one shard, block 0 with other bits: only block 1 is new, and taken.
    const both: Shard = { round: 0, results: [s0.results[0]!, s1.results[0]!] };
    expect(await send(both, [doubled[0]!, s1.results[0]!.sum])).toEqual({ status: ReportStatus.ACCEPTED, reason: '' });
    await cluster.waitForJob(jobId, (job) => job.roundsCompleted >= 1);

    // Round 0 is closed: a late copy of its shard is STALE, whatever it holds.
    expect(await send(s1)).toMatchObject({ status: ReportStatus.STALE, reason: expect.stringContaining('closed') });
    expect(await send(s1, doubled)).toMatchObject({ status: ReportStatus.STALE });
    for (const round of [1, 2]) {
      for (const shard of await compute(round)) expect((await send(shard)).status).toBe(ReportStatus.ACCEPTED);
      if (round === 1) expect(await send(s0)).toMatchObject({ status: ReportStatus.STALE });
    }

    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    // After the job: STALE too, never an error.
    expect(await send(s0)).toMatchObject({ status: ReportStatus.STALE });
    expect(await cluster.metric('metatrain_shards_reported_total{status="accepted"}')).toBe(6);
    expect(await cluster.metric('metatrain_shards_reported_total{status="duplicate"}')).toBe(2);
    expect(await cluster.metric('metatrain_shards_reported_total{status="stale"}')).toBe(4);
    expect(await cluster.metric('metatrain_shards_reported_total{status="rejected"}')).toBe(0);
  });
});
