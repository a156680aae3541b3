import { ConfigError } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { describeTestFaults, testFaultsFromEnv } from './test-faults';

describe('testFaultsFromEnv', () => {
  it('reads the faults only in test mode', () => {
    expect(testFaultsFromEnv({ METATRAIN_TEST_MODE: '1', METATRAIN_FAULT: 'nan, checksum', METATRAIN_FAULT_DELAY_MS: '250' })).toEqual({ faults: { reports: ['nan', 'checksum'], delayMs: 250 } });
    expect(testFaultsFromEnv({ METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: '10' })).toEqual({ faults: { reports: [], delayMs: 10 } });
  });

  it('ignores them, saying so, without test mode', () => {
    for (const mode of [undefined, '', '0', 'true']) {
      expect(testFaultsFromEnv({ METATRAIN_TEST_MODE: mode, METATRAIN_FAULT: 'nan' })).toEqual({ ignored: expect.stringContaining('work only with METATRAIN_TEST_MODE=1') });
    }
    expect(testFaultsFromEnv({ METATRAIN_TEST_MODE: '1' })).toBeUndefined();
  });

  it('names the variable of a bad value', () => {
    expect(() => testFaultsFromEnv({ METATRAIN_TEST_MODE: '1', METATRAIN_FAULT: 'nan,zero' })).toThrow(
      new ConfigError('METATRAIN_FAULT', 'expected a comma-separated list of nan, inf, shape, checksum, got "zero"'),
    );
    expect(() => testFaultsFromEnv({ METATRAIN_TEST_MODE: '1', METATRAIN_FAULT_DELAY_MS: '1s' })).toThrow(
      new ConfigError('METATRAIN_FAULT_DELAY_MS', 'expected a non-negative integer of milliseconds, got "1s"'),
    );
  });

  it('describes the faults in one loud line', () => {
    expect(describeTestFaults({ reports: ['inf'], delayMs: 100 })).toBe('worker: TEST MODE: corrupting reports (inf), holding each shard 100 ms');
  });
});
