import type { ParamSet } from '@metatrain/core';
import type { ReportHeader } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import { PermissionDeniedError } from '../grpc/grpc-errors';
import type { ShardReportStatus } from '../metrics/coordinator-metrics';
import type { AcceptOutcome } from '../rounds/shard-report';
import { accountedReports } from './accounted-reports';
import { WorkerTable } from './worker-table';

const header = (workerId: string): ReportHeader => ({ jobId: 'j', version: 0, firstBlock: 0, blockCount: 1, workerId, backend: 'wasm', taskMetrics: [], computeMs: 1 });

function setUp(answers: AcceptOutcome[]) {
  const workers = new WorkerTable({ quarantineAfter: 2 });
  workers.register({ workerId: 'w', backend: 'wasm', device: 'cpu', cores: 1, hostname: 'h', version: '0', threads: 1, pool: 'default' });
  const statuses: ShardReportStatus[] = [];
  const logs: string[] = [];
  let handed = 0;
  const answer = (): AcceptOutcome => (handed++, answers.shift() ?? 'ACCEPTED');
  const jobs = { reportShard: answer, reportEval: answer };
  const sink = accountedReports({ jobs, workers, metrics: { shardReported: (s) => statuses.push(s) }, log: (l) => logs.push(l) });
  return { sink, workers, statuses, logs, handed: () => handed };
}

describe('accountedReports', () => {
  it('counts every answer once, and refuses a quarantined worker before its report reaches a job', async () => {
    const { sink, workers, statuses, logs, handed } = setUp(['ACCEPTED', 'DUPLICATE', { rejected: 'sum: bad' }]);
    const sum: ParamSet = [];
    expect(await sink.reportShard(header('w'), sum)).toBe('ACCEPTED');
    expect(await sink.reportShard(header('w'), sum)).toBe('DUPLICATE');
    expect(await sink.reportShard(header('w'), sum)).toEqual({ rejected: 'sum: bad' });
    sink.reportUnreadable?.(header('w'), 'chunk[0]: checksum mismatch');
    expect(statuses).toEqual(['accepted', 'duplicate', 'rejected', 'rejected']);
    expect(logs).toEqual(['coordinator: worker w quarantined (2 reports in a row were refused; the last: chunk[0]: checksum mismatch); its reports are refused and it takes no shards']);
    await expect(sink.reportShard(header('w'), sum)).rejects.toThrow(PermissionDeniedError);
    expect(() => sink.reportUnreadable?.(header('w'), 'x')).toThrow('header.worker_id: worker w is quarantined: 2 reports in a row were refused');
    expect(handed()).toBe(3);
    expect(statuses).toHaveLength(4);
    expect(workers.list()[0]).toMatchObject({ shardsDone: 1, reportsRejected: 2 });
  });
});
