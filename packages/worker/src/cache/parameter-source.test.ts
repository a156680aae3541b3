import type { ParamSet } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { WorkerClosedError } from '../errors';
import { ParameterSource, toShared } from './parameter-source';

const theta = (v: number): ParamSet => [
  { name: 'w', shape: [2], values: new Float32Array([v, v + 1]) },
  { name: 'b', shape: [1], values: new Float32Array([-v]) },
];

/** A GetParameters that answers when released, counting calls. */
function source() {
  const calls: Array<[string, number]> = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const logs: string[] = [];
  let failing: Error | undefined;
  const parameters = new ParameterSource({
    fetch: async (jobId, version) => {
      calls.push([jobId, version]);
      await gate;
      if (failing) throw failing;
      return theta(version);
    },
    log: (line) => logs.push(line),
  });
  return {
    parameters,
    calls,
    logs,
    release: () => release(),
    hold: () => (gate = new Promise<void>((resolve) => (release = resolve))),
    fail: (error: Error | undefined) => (failing = error),
  };
}

describe('ParameterSource', () => {
  it('shares one fetch among concurrent asks for a version, and keeps it in shared memory', async () => {
    const s = source();
    const asks = [s.parameters.get('job', 3), s.parameters.get('job', 3), s.parameters.get('job', 3)];
    s.release();
    const got = await Promise.all(asks);
    expect(s.calls).toEqual([['job', 3]]);
    expect(got[1]).toBe(got[0]);
    expect(got[0]?.every((p) => p.values.buffer instanceof SharedArrayBuffer)).toBe(true);
    expect(got[0]?.map((p) => [...p.values])).toEqual([[3, 4], [-3]]);
    expect(await s.parameters.get('job', 3)).toBe(got[0]);
    expect(s.parameters.fetches).toBe(1);
  });

  it('prefetches an announced version of a job it holds, so that the next ask fetches nothing', async () => {
    const s = source();
    s.release();
    expect(s.parameters.prefetch('job', 0)).toBe(false); // never worked on: not prefetched
    await s.parameters.get('job', 0);
    expect(s.parameters.prefetch('job', 1)).toBe(true);
    expect(s.parameters.prefetch('job', 1)).toBe(false); // in flight already
    const got = await s.parameters.get('job', 1);
    expect(got.map((p) => [...p.values])).toEqual([[1, 2], [-1]]);
    expect(s.calls).toEqual([['job', 0], ['job', 1]]);
    expect(s.parameters.prefetch('job', 1)).toBe(false); // held
    expect([s.parameters.fetches, s.parameters.prefetches]).toEqual([2, 1]);
  });

  it('keeps nothing of a failed fetch (the next ask fetches again) and logs a failed prefetch', async () => {
    const s = source();
    s.release();
    await s.parameters.get('job', 0);
    s.fail(new Error('UNAVAILABLE: connection refused'));
    expect(s.parameters.prefetch('job', 1)).toBe(true);
    await expect(s.parameters.get('job', 1)).rejects.toThrow('UNAVAILABLE');
    expect(s.logs).toEqual(['worker: prefetching version 1 of job job failed: UNAVAILABLE: connection refused']);
    s.fail(undefined);
    await s.parameters.get('job', 1);
    expect(s.calls).toEqual([['job', 0], ['job', 1], ['job', 1]]);
  });

  it("stops one caller's wait when its signal aborts, and the fetch goes on for the others", async () => {
    const s = source();
    const controller = new AbortController();
    const gaveUp = s.parameters.get('job', 2, controller.signal, 'shutdown grace period over');
    const waits = s.parameters.get('job', 2);
    controller.abort();
    await expect(gaveUp).rejects.toThrow(new WorkerClosedError('shutdown grace period over'));
    s.release();
    expect((await waits).map((p) => [...p.values])).toEqual([[2, 3], [-2]]);
    expect(s.calls).toHaveLength(1);
  });
});

describe('toShared', () => {
  it('copies every array into one SharedArrayBuffer, names and shapes kept', () => {
    const shared = toShared(theta(5));
    expect(shared.map((p) => [p.name, p.shape, [...p.values]])).toEqual([['w', [2], [5, 6]], ['b', [1], [-5]]]);
    expect(shared[0]?.values.buffer).toBe(shared[1]?.values.buffer);
    expect(shared[0]?.values.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
