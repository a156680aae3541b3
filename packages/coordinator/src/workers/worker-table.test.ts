import { WorkerState } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import { WorkerTable } from './worker-table';

const request = (workerId: string, threads = 1, lane = { pool: '', backend: 'wasm' }) => ({ workerId, backend: lane.backend, device: 'cpu', cores: 2, hostname: 'h', version: '0.1.0', threads, pool: lane.pool });
const bad = (reason = 'sum: "w" has a non-finite value (NaN) at element 0') => ({ rejected: reason });

function table(quarantineAfter = 3): { workers: WorkerTable; clock: { now: number } } {
  const clock = { now: 1_000 };
  const workers = new WorkerTable({ quarantineAfter, leaseMs: 100 }, () => clock.now);
  workers.register(request('a'));
  return { workers, clock };
}

describe('WorkerTable', () => {
  it('counts accepted shards only, so a shard computed twice counts once', () => {
    const { workers } = table();
    for (const outcome of ['ACCEPTED', 'DUPLICATE', 'STALE', 'ACCEPTED'] as const) workers.reportAnswered('a', outcome);
    expect(workers.list()[0]).toMatchObject({ shardsDone: 2, reportsRejected: 0, state: WorkerState.ACTIVE });
  });

  it('quarantines a worker after `quarantineAfter` refused reports in a row, for good', () => {
    const { workers } = table();
    expect(workers.reportAnswered('a', bad())).toBeUndefined();
    expect(workers.reportAnswered('a', 'ACCEPTED')).toBeUndefined(); // resets the run
    expect(workers.reportAnswered('a', bad())).toBeUndefined();
    expect(workers.reportAnswered('a', bad())).toBeUndefined();
    expect(workers.standing('a')).toEqual({ quarantined: false, reason: '' });
    const reason = workers.reportAnswered('a', bad('chunk[0].checksum: mismatch'));
    expect(reason).toBe('3 reports in a row were refused; the last: chunk[0].checksum: mismatch');
    expect(workers.standing('a')).toEqual({ quarantined: true, reason });
    expect(workers.register(request('a'))).toEqual({ quarantined: true, reason });
    expect(workers.heartbeat('a', '')).toEqual({ quarantined: true, reason });
    expect(workers.list()[0]).toMatchObject({ state: WorkerState.QUARANTINED, reportsRejected: 4, shardsDone: 1 });
    expect(workers.counts()).toEqual({ active: 0, lost: 0, quarantined: 1 });
  });

  it('does not hold a round that is not open yet against the worker', () => {
    const { workers } = table(1);
    expect(workers.reportAnswered('a', { rejected: 'round: 5 is not open', notOpenYet: true })).toBeUndefined();
    expect(workers.list()[0]).toMatchObject({ state: WorkerState.ACTIVE, reportsRejected: 1 });
  });

  it('never quarantines with quarantineAfter 0, and shows a silent worker LOST', () => {
    const { workers, clock } = table(0);
    for (let i = 0; i < 10; i++) workers.reportAnswered('a', bad());
    expect(workers.standing('a').quarantined).toBe(false);
    clock.now += 101;
    expect(workers.list()[0]).toMatchObject({ state: WorkerState.LOST, reportsRejected: 10 });
  });

  it('counts the compute threads of the active workers as slots (an old worker that sends 0 as one)', () => {
    const { workers, clock } = table();
    workers.register(request('b', 4));
    workers.register(request('old', 0));
    expect(workers.computeSlots()).toBe(6);
    clock.now += 60;
    workers.heartbeat('b', '');
    clock.now += 60;
    // 'a' and 'old' missed their lease: only b's four threads are left.
    expect(workers.computeSlots()).toBe(4);
  });

  it('keeps each worker in its pool (an old worker without one in the default pool) and counts slots and backends per pool', () => {
    const { workers, clock } = table();
    workers.register(request('gpu-1', 2, { pool: 'gpu', backend: 'tensorflow' }));
    workers.register(request('gpu-2', 3, { pool: 'gpu', backend: 'tensorflow' }));
    workers.register(request('cpu-1', 4, { pool: 'default', backend: 'cpu' }));
    expect(workers.list().map((w) => [w.workerId, w.pool])).toEqual([['a', 'default'], ['cpu-1', 'default'], ['gpu-1', 'gpu'], ['gpu-2', 'gpu']]);
    expect(workers.backendsOf('gpu')).toEqual(['tensorflow']);
    expect(workers.backendsOf('default')).toEqual(['cpu', 'wasm']);
    expect(workers.backendsOf('none')).toEqual([]);
    expect(workers.computeSlots({ pool: 'gpu' })).toBe(5);
    expect(workers.computeSlots({ pool: 'default', backend: 'cpu' })).toBe(4);
    expect(workers.computeSlots({ pool: 'default', backend: 'wasm' })).toBe(1);
    expect(workers.computeSlots()).toBe(10);
    clock.now += 200;
    workers.heartbeat('cpu-1', '');
    // The others missed their lease: gone from the pool's backends.
    expect(workers.backendsOf('default')).toEqual(['cpu']);
    expect(workers.backendsOf('gpu')).toEqual([]);
  });

  it('lets an unknown worker report, and does not count it', () => {
    const { workers } = table(1);
    expect(workers.reportAnswered('stranger', bad())).toBeUndefined();
    expect(workers.standing('stranger')).toEqual({ quarantined: false, reason: '' });
    expect(workers.heartbeat('stranger', '')).toBeUndefined();
  });
});
