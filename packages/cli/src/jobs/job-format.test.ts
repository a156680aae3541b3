import { type Job, JobState, type WorkerInfo, WorkerState } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import { age, exitCodeOf, formatJobStatus, formatJobTable, jobToJson, lossText, parseStates, stateName } from './job-format';
import { renderTable } from './table';
import { formatWorkerTable, workerToJson } from './worker-format';

const NOW = Date.UTC(2025, 0, 2, 12, 0, 0);
const job = (overrides: Partial<Job> = {}): Job => ({
  id: 'sine-abc123',
  name: 'sine',
  algorithm: 'maml',
  taskFamily: 'sinusoid',
  state: JobState.RUNNING,
  roundsCompleted: 120,
  totalRounds: 1000,
  createdAtMs: NOW - 3 * 3600_000,
  updatedAtMs: NOW - 5_000,
  error: '',
  lastMetaLoss: 0.51234,
  spec: 'name: sine',
  pool: 'default',
  backend: 'wasm',
  ...overrides,
});

describe('job formatting', () => {
  it('names states and maps final states to exit codes', () => {
    expect([JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.UNSPECIFIED].map(stateName)).toEqual([
      'QUEUED',
      'RUNNING',
      'SUCCEEDED',
      'FAILED',
      'CANCELLED',
      'UNKNOWN',
    ]);
    expect([JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED].map(exitCodeOf)).toEqual([0, 1, 1]);
  });

  it('writes ages as kubectl does and losses with four digits', () => {
    expect([0, 45_000, 119_000, 12 * 60_000, 3 * 3600_000, 50 * 3600_000].map((d) => age(d === 0 ? 0 : NOW - d, NOW))).toEqual(['-', '45s', '119s', '12m', '3h', '2d']);
    expect(age(NOW + 5000, NOW)).toBe('0s');
    expect([undefined, 0.51234, 12.3456, 1e-5, 123456, Number.NaN].map(lossText)).toEqual(['-', '0.5123', '12.35', '1.000e-5', '1.235e+5', 'NaN']);
  });

  it('lists jobs as an aligned table', () => {
    const text = formatJobTable([job(), job({ id: 'omni-zz9', name: 'omni', algorithm: 'protonet', taskFamily: 'omniglot', state: JobState.QUEUED, roundsCompleted: 0, lastMetaLoss: undefined, createdAtMs: NOW - 30_000 })], NOW);
    expect(text).toBe(
      [
        'ID            NAME   ALGORITHM   FAMILY     STATE     ROUND      META-LOSS   AGE',
        'sine-abc123   sine   maml        sinusoid   RUNNING   120/1000   0.5123      3h',
        'omni-zz9      omni   protonet    omniglot   QUEUED    0/1000     -           30s',
        '',
      ].join('\n'),
    );
  });

  it('shows one job field by field, with its error', () => {
    const text = formatJobStatus(job({ state: JobState.FAILED, error: 'worker crashed 3 times' }), NOW);
    expect(text).toContain('state:     FAILED\n');
    expect(text).toContain('workers:   pool default, backend wasm\n');
    expect(formatJobStatus(job({ backend: '' }), NOW)).toContain('workers:   pool default, backend (not chosen yet)\n');
    expect(text).toContain('round:     120/1000\n');
    expect(text).toContain('meta-loss: 0.5123\n');
    expect(text).toContain('created:   2025-01-02T09:00:00.000Z (3h ago)\n');
    expect(text).toContain('updated:   2025-01-02T11:59:55.000Z (5s ago)\n');
    expect(text.endsWith('error:     worker crashed 3 times\n')).toBe(true);
    expect(formatJobStatus(job(), NOW)).not.toContain('error:');
  });

  it('gives --json states by name, ISO times and nulls', () => {
    expect(jobToJson(job({ lastMetaLoss: undefined }))).toMatchObject({ state: 'RUNNING', lastMetaLoss: null, error: null, createdAt: '2025-01-02T09:00:00.000Z', roundsCompleted: 120, totalRounds: 1000 });
  });

  it('parses --state lists case-insensitively and reports unknown names', () => {
    expect(parseStates('running, Queued')).toEqual({ states: [JobState.RUNNING, JobState.QUEUED], unknown: [] });
    expect(parseStates('done,RUNNING,unspecified')).toEqual({ states: [JobState.RUNNING], unknown: ['DONE', 'UNSPECIFIED'] });
    expect(parseStates('')).toEqual({ states: [], unknown: [] });
  });
});

describe('tables', () => {
  it('pads every column but the last and strips control characters', () => {
    expect(renderTable(['a', 'long header'], [['x\ny', 'v'], ['wide cell', '']])).toBe('A           LONG HEADER\nx y         v\nwide cell\n');
  });

  it('lists workers with their shard and heartbeat age', () => {
    const worker: WorkerInfo = {
      workerId: 'gpu-1',
      backend: 'tensorflow',
      device: 'NVIDIA A10',
      cores: 8,
      hostname: 'node-a',
      version: '0.1.0',
      state: WorkerState.ACTIVE,
      currentShard: 'sine-abc123-r5-b2-3,sine-abc123-r5-b3-4',
      shardsDone: 42,
      registeredAtMs: NOW - 600_000,
      lastHeartbeatMs: NOW - 2_000,
      reportsRejected: 0,
      threads: 2,
      pool: 'gpu',
    };
    const lost = { ...worker, workerId: 'cpu-2', pool: 'default', backend: 'wasm', device: '', cores: 2, threads: 1, state: WorkerState.LOST, currentShard: '', shardsDone: 7, lastHeartbeatMs: NOW - 300_000 };
    expect(formatWorkerTable([worker, lost], NOW)).toBe(
      [
        'ID      POOL      BACKEND      DEVICE       CORES   THREADS   STATE    SHARDS                                     SHARDS DONE   HEARTBEAT',
        'gpu-1   gpu       tensorflow   NVIDIA A10   8       2         ACTIVE   sine-abc123-r5-b2-3, sine-abc123-r5-b3-4   42            2s',
        'cpu-2   default   wasm         -            2       1         LOST     -                                          7             5m',
        '',
      ].join('\n'),
    );
    expect(workerToJson(lost)).toMatchObject({ id: 'cpu-2', pool: 'default', state: 'LOST', currentShard: null, shardsDone: 7, lastHeartbeat: new Date(NOW - 300_000).toISOString() });
  });
});
