import { ConfigError } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { describeFakeCompute, fakeComputeFromEnv } from './fake-compute-switch';
import { startCompute } from './start-compute';

describe('fakeComputeFromEnv', () => {
  it('reads the stub in test mode only, and is off when unset', () => {
    expect(fakeComputeFromEnv({ METATRAIN_TEST_MODE: '1', METATRAIN_FAKE_COMPUTE_MS_PER_TASK: '50' })).toEqual({ msPerTask: 50 });
    expect(fakeComputeFromEnv({ METATRAIN_TEST_MODE: '1', METATRAIN_FAKE_COMPUTE_MS_PER_TASK: '0' })).toEqual({ msPerTask: 0 });
    expect(fakeComputeFromEnv({ METATRAIN_TEST_MODE: '1' })).toBeUndefined();
    expect(fakeComputeFromEnv({})).toBeUndefined();
  });

  it('refuses the stub without test mode, naming the variable (never a silent fallback)', () => {
    for (const mode of [undefined, '', '0', 'true']) {
      expect(() => fakeComputeFromEnv({ METATRAIN_TEST_MODE: mode, METATRAIN_FAKE_COMPUTE_MS_PER_TASK: '5' })).toThrow(
        new ConfigError('METATRAIN_FAKE_COMPUTE_MS_PER_TASK', 'the compute stub works only with METATRAIN_TEST_MODE=1 (tests and benchmarks)'),
      );
    }
  });

  it('names the variable of a bad value', () => {
    expect(() => fakeComputeFromEnv({ METATRAIN_TEST_MODE: '1', METATRAIN_FAKE_COMPUTE_MS_PER_TASK: '5ms' })).toThrow(
      new ConfigError('METATRAIN_FAKE_COMPUTE_MS_PER_TASK', 'expected a non-negative integer of milliseconds, got "5ms"'),
    );
  });

  it('says loudly that the worker does not compute', () => {
    expect(describeFakeCompute({ msPerTask: 5 })).toBe('worker: TEST MODE: compute stub, 5 ms per task, zero block sums');
  });
});

describe('startCompute', () => {
  it('starts the stub when asked, without a compute thread, taking as many shards at once as threads', async () => {
    const compute = await startCompute({ threads: 3, backend: undefined, dataDir: '.', log: () => undefined, fakeCompute: { msPerTask: 1 } });
    try {
      expect(compute.backend).toEqual({ name: 'cpu', device: 'compute stub (1 ms per task)' });
      expect(compute.size).toBe(3);
    } finally {
      await compute.close();
    }
  });
});
