import { describe, expect, it } from 'vitest';
import { CoordinatorMetrics, reportStatus } from './coordinator-metrics';
import type { ScrapeHookFailure } from './scrape-hooks';
import { parseSamples, sampleValue } from './testing/exposition';

const quiet = (failures: ScrapeHookFailure[] = []) => new CoordinatorMetrics({ processMetrics: false, onScrapeFailure: (f) => failures.push(f) });

describe('CoordinatorMetrics', () => {
  it('records a completed round under the job_id label (not job, which Prometheus renames on scrape)', async () => {
    const metrics = quiet();
    metrics.roundCompleted({ jobId: 'sinusoid-maml-abc123', round: 0, tasks: 25, seconds: 0.5, metaLoss: 1.25 });
    metrics.roundCompleted({ jobId: 'sinusoid-maml-abc123', round: 1, tasks: 25, seconds: 0.25, metaLoss: 0.75 });
    metrics.roundCompleted({ jobId: 'other-job', tasks: 10, seconds: 2, metaLoss: 3 });
    const text = await metrics.text();
    const job = { job_id: 'sinusoid-maml-abc123' };
    expect(sampleValue(text, 'metatrain_rounds_completed_total', job)).toBe(2);
    expect(sampleValue(text, 'metatrain_tasks_completed_total', job)).toBe(50);
    expect(sampleValue(text, 'metatrain_tasks_per_second', job)).toBe(100);
    expect(sampleValue(text, 'metatrain_meta_loss', job)).toBe(0.75);
    expect(sampleValue(text, 'metatrain_job_round', job)).toBe(2);
    expect(sampleValue(text, 'metatrain_rounds_completed_total', { job_id: 'other-job' })).toBe(1);
    expect(sampleValue(text, 'metatrain_job_round', { job_id: 'other-job' })).toBeUndefined(); // no round given
    expect(sampleValue(text, 'metatrain_round_duration_seconds_count')).toBe(3);
    expect(sampleValue(text, 'metatrain_round_duration_seconds_sum')).toBe(2.75);
    expect(sampleValue(text, 'metatrain_round_duration_seconds_bucket', { le: '0.25' })).toBe(1);
    expect(sampleValue(text, 'metatrain_round_duration_seconds_bucket', { le: '600' })).toBe(3);
  });

  it('counts reports by status, starting every status at 0', async () => {
    const metrics = quiet();
    expect(sampleValue(await metrics.text(), 'metatrain_shards_reported_total', { status: 'stale' })).toBe(0);
    for (const outcome of ['ACCEPTED', 'ACCEPTED', 'DUPLICATE', { rejected: 'shard_index: 9 is out of range' }] as const) {
      metrics.shardReported(reportStatus(outcome));
    }
    const text = await metrics.text();
    expect(sampleValue(text, 'metatrain_shards_reported_total', { status: 'accepted' })).toBe(2);
    expect(sampleValue(text, 'metatrain_shards_reported_total', { status: 'duplicate' })).toBe(1);
    expect(sampleValue(text, 'metatrain_shards_reported_total', { status: 'rejected' })).toBe(1);
    expect(sampleValue(text, 'metatrain_shards_reported_total', { status: 'stale' })).toBe(0);
  });

  it('records the unlabelled counters and the overhead histogram', async () => {
    const metrics = quiet();
    metrics.shardsReenqueued(3);
    metrics.shardsReenqueued(0);
    metrics.checkpointWritten();
    metrics.checkpointFailed();
    metrics.checkpointFailed();
    metrics.jobSubmitted();
    metrics.jobSubmitted();
    metrics.orchestrationOverhead(0.00004);
    metrics.orchestrationOverhead(0.003);
    const text = await metrics.text();
    expect(sampleValue(text, 'metatrain_shards_reenqueued_total')).toBe(3);
    expect(sampleValue(text, 'metatrain_checkpoints_written_total')).toBe(1);
    expect(sampleValue(text, 'metatrain_checkpoint_failures_total')).toBe(2);
    expect(sampleValue(text, 'metatrain_jobs_submitted_total')).toBe(2);
    expect(sampleValue(text, 'metatrain_orchestration_overhead_seconds_bucket', { le: '0.00005' })).toBe(1);
    expect(sampleValue(text, 'metatrain_orchestration_overhead_seconds_bucket', { le: '0.0025' })).toBe(1);
    expect(sampleValue(text, 'metatrain_orchestration_overhead_seconds_bucket', { le: '0.005' })).toBe(2);
  });

  it('sets queue, worker and job gauges by state; a job state left out goes to 0', async () => {
    const metrics = quiet();
    metrics.setQueueDepth({ waiting: 1, prioritized: 7, active: 4, delayed: 2, total: 14 });
    metrics.setWorkerCounts({ active: 3, lost: 1, quarantined: 0 });
    metrics.setJobCounts({ RUNNING: 2, SUCCEEDED: 5 });
    metrics.setJobCounts({ RUNNING: 1, QUEUED: 1 });
    const text = await metrics.text();
    expect(['waiting', 'prioritized', 'active', 'delayed'].map((state) => sampleValue(text, 'metatrain_queue_depth', { state }))).toEqual([1, 7, 4, 2]);
    expect(sampleValue(text, 'metatrain_queue_depth', { state: 'total' })).toBeUndefined();
    expect(['active', 'lost', 'quarantined'].map((state) => sampleValue(text, 'metatrain_workers', { state }))).toEqual([3, 1, 0]);
    const jobs = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'].map((state) => sampleValue(text, 'metatrain_jobs', { state }));
    expect(jobs).toEqual([1, 1, 0, 0, 0]);
  });

  it('jobFinished removes every series of that job and no other', async () => {
    const metrics = quiet();
    metrics.roundCompleted({ jobId: 'done-1', round: 4, tasks: 5, seconds: 1, metaLoss: 0.5 });
    metrics.roundCompleted({ jobId: 'running-2', round: 0, tasks: 5, seconds: 1, metaLoss: 0.5 });
    metrics.jobFinished('done-1');
    metrics.jobFinished('never-ran'); // no series: nothing to do
    const samples = parseSamples(await metrics.text());
    expect(samples.filter((s) => s.labels.job_id === 'done-1')).toEqual([]);
    expect(samples.filter((s) => s.labels.job_id === 'running-2').map((s) => s.name).sort()).toEqual([
      'metatrain_job_round',
      'metatrain_meta_loss',
      'metatrain_rounds_completed_total',
      'metatrain_tasks_completed_total',
      'metatrain_tasks_per_second',
    ]);
  });

  it('refuses label values and numbers that are not safe, changing nothing', async () => {
    const metrics = quiet();
    for (const jobId of ['', '-leading-dash', 'has space', 'quote"d', 'new\nline', 'a'.repeat(129)]) {
      expect(() => metrics.roundCompleted({ jobId, tasks: 1, seconds: 1, metaLoss: 0 }), jobId).toThrow(RangeError);
      expect(() => metrics.jobFinished(jobId)).toThrow(RangeError);
    }
    expect(() => metrics.roundCompleted({ jobId: 'ok', tasks: -1, seconds: 1, metaLoss: 0 })).toThrow(/tasks/);
    expect(() => metrics.roundCompleted({ jobId: 'ok', tasks: 1, seconds: Number.NaN, metaLoss: 0 })).toThrow(/seconds/);
    expect(() => metrics.setQueueDepth({ waiting: 1, prioritized: 1.5, active: 0, delayed: 0, total: 2.5 })).toThrow(/depth.prioritized/);
    expect(() => metrics.shardReported('lost' as never)).toThrow(RangeError);
    const text = await metrics.text();
    expect(sampleValue(text, 'metatrain_rounds_completed_total', { job_id: 'ok' })).toBeUndefined();
    expect(sampleValue(text, 'metatrain_queue_depth', { state: 'waiting' })).toBe(0);
  });

  it('exports process metrics unless told not to', async () => {
    expect(await new CoordinatorMetrics().text()).toMatch(/^process_resident_memory_bytes /m);
    expect(await quiet().text()).not.toMatch(/^process_/m);
  });
});
