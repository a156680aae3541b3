import type { MetaState } from '@metatrain/core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { runCli } from '../support/run-cli';
import { faultSpec } from './support/fault-spec';
import { FaultCluster, until } from './support/fault-cluster';
import { expectReferenceBits, referenceState } from './support/reference';

// Scenario 5 of docs/RELIABILITY.md: a worker whose reports are garbage — a NaN, an infinity,
// a parameter of the wrong shape, a payload that fails its checksum (the test-only switch
// METATRAIN_FAULT, one kind per report in turn). Each report is refused with a reason and
// its shard recomputed elsewhere; after QUARANTINE_AFTER (4 here) refusals in a row the worker
// is quarantined: its reports are refused, it takes no shards, `metatrain workers` shows it.

const SPEC = faultSpec({ name: 'bad-reports', iterations: 5, seed: 31 });
const SHARDS = 5 * 4;

let cluster: FaultCluster;
let reference: MetaState;

beforeAll(async () => {
  [cluster, reference] = await Promise.all([FaultCluster.create({ coordinatorEnv: { QUARANTINE_AFTER: '4' } }), referenceState(SPEC)]);
});
afterAll(() => cluster?.close());

describe('a worker that reports NaN, Inf, a wrong shape and a bad checksum', () => {
  it('is refused with a reason each time, never poisons the parameters, and is quarantined', async () => {
    onTestFailed(() => console.error(cluster.outputs()));
    const faulty = await cluster.startWorker('faulty', { METATRAIN_TEST_MODE: '1', METATRAIN_FAULT: 'nan,inf,shape,checksum' });
    expect(faulty.output).toContain('[worker faulty] worker: TEST MODE: corrupting reports (nan, inf, shape, checksum)');
    const jobId = await cluster.api.submit(SPEC);
    await until(() => faulty.output.some((l) => l.includes('worker: quarantined by the coordinator')), 'the faulty worker to be quarantined');

    // One line per refused report, each naming the field at fault.
    const refusals = faulty.output.filter((l) => l.includes('failed (it will be retried)'));
    expect(refusals).toEqual([
      expect.stringMatching(/report rejected by the coordinator: sum: "dense0\/kernel" has a non-finite value \(NaN\) at element 0$/),
      expect.stringMatching(/report rejected by the coordinator: sum: "dense0\/kernel" has a non-finite value \(Infinity\) at element 0$/),
      expect.stringMatching(/report rejected by the coordinator: sum: parameter 0 is "dense0\/kernel" \[1, 1, 16, 1\], expected "dense0\/kernel" \[1, 1, 16\]: block_count \(1\) sums of the job's "dense0\/kernel" \[1, 16\]$/),
      expect.stringMatching(/INVALID_ARGUMENT: .*checksum: mismatch/),
    ]);
    expect(cluster.coordinator?.output).toContainEqual(expect.stringMatching(/^\[coordinator\] coordinator: worker faulty quarantined \(4 reports in a row were refused; the last: .*checksum: mismatch.*\)/));

    const honest = await cluster.startWorker('honest');
    await cluster.succeeded(jobId);
    expectReferenceBits(await cluster.latestCheckpoint(jobId), reference);
    expect(await cluster.metric('metatrain_shards_reported_total{status="rejected"}')).toBe(4);
    expect(await cluster.metric('metatrain_shards_reported_total{status="accepted"}')).toBe(SHARDS);
    expect(await cluster.metric('metatrain_workers{state="quarantined"}')).toBe(1);
    // After the quarantine it took no shard to compute: no refusal since, nothing accepted.
    expect(faulty.output.filter((l) => l.includes('failed (it will be retried)'))).toHaveLength(4);

    const listed = await runCli(['workers', '--json', '--coordinator', cluster.grpcAddress]);
    expect(listed.code, listed.stderr).toBe(0);
    const workers = JSON.parse(listed.stdout) as Array<{ id: string; state: string; shardsDone: number; reportsRejected: number }>;
    expect(workers.map((w) => [w.id, w.state, w.shardsDone, w.reportsRejected])).toEqual([
      ['faulty', 'QUARANTINED', 0, 4],
      ['honest', 'ACTIVE', SHARDS, 0],
    ]);
    const table = await runCli(['workers', '--coordinator', cluster.grpcAddress]);
    expect(table.stdout).toMatch(/^faulty\s.*\sQUARANTINED\s/m);
    await honest.process.stop();
  });
});
