import { ConfigError } from '@metatrain/core';
// Test-only misbehaviour, for the fault-injection tests of test/faults/ (docs/RELIABILITY.md).
// Read only when METATRAIN_TEST_MODE=1; otherwise the variables are ignored (with a log line),
// so a stray variable in production cannot make a worker misbehave.

/** How a report is corrupted: a NaN or an infinite value in the sum, a parameter of the wrong shape, a bit flipped after the checksum. */
export type ReportFault = 'nan' | 'inf' | 'shape' | 'checksum';

export const REPORT_FAULTS: readonly ReportFault[] = ['nan', 'inf', 'shape', 'checksum'];

/** A worker's injected faults. */
export interface TestFaults {
  /** Every report is corrupted, cycling through these kinds in order; empty for honest reports. */
  reports: ReportFault[];
  /** Every computed shard is held this long before it is reported (a straggler); 0 for none. */
  delayMs: number;
}

/** The variables: test mode, the report faults (comma-separated), the delay. */
export const TEST_FAULT_ENV = { mode: 'METATRAIN_TEST_MODE', reports: 'METATRAIN_FAULT', delayMs: 'METATRAIN_FAULT_DELAY_MS' } as const;

/** What the environment asks for: faults in test mode, or a line saying why they are ignored. */
export type TestFaultSwitch = { faults: TestFaults } | { ignored: string } | undefined;

/**
 * Reads the fault switches. Undefined when none is set.
 * @throws {ConfigError} naming the variable when test mode is on and a value is bad.
 */
export function testFaultsFromEnv(env: Readonly<Record<string, string | undefined>>): TestFaultSwitch {
  const testMode = env[TEST_FAULT_ENV.mode] === '1';
  const reportsText = env[TEST_FAULT_ENV.reports] ?? '';
  const delayText = env[TEST_FAULT_ENV.delayMs] ?? '';
  if (reportsText === '' && delayText === '') return undefined;
  if (!testMode) {
    return { ignored: `${TEST_FAULT_ENV.reports} and ${TEST_FAULT_ENV.delayMs} are ignored: they work only with ${TEST_FAULT_ENV.mode}=1 (tests)` };
  }
  const reports = reportsText === '' ? [] : reportsText.split(',').map((s) => s.trim());
  for (const fault of reports) {
    if (!(REPORT_FAULTS as readonly string[]).includes(fault)) throw new ConfigError(TEST_FAULT_ENV.reports, `expected a comma-separated list of ${REPORT_FAULTS.join(', ')}, got ${JSON.stringify(fault)}`);
  }
  if (delayText !== '' && !/^\d+$/.test(delayText)) throw new ConfigError(TEST_FAULT_ENV.delayMs, `expected a non-negative integer of milliseconds, got ${JSON.stringify(delayText)}`);
  return { faults: { reports: reports as ReportFault[], delayMs: delayText === '' ? 0 : Number(delayText) } };
}

/** One line for the log, so that a worker with faults is never mistaken for an honest one. */
export function describeTestFaults(faults: TestFaults): string {
  const parts = [faults.reports.length > 0 ? `corrupting reports (${faults.reports.join(', ')})` : '', faults.delayMs > 0 ? `holding each shard ${faults.delayMs} ms` : ''];
  return `worker: TEST MODE: ${parts.filter(Boolean).join(', ') || 'no faults'}`;
}
