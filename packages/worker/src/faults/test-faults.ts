import { type Env, gotInput, integerText, parseEnv } from '@metatrain/core';
import { z } from 'zod';
// Test-only misbehaviour, for the fault-injection tests of test/faults/ (docs/RELIABILITY.md).
// Read only when METATRAIN_TEST_MODE=1; otherwise the variables are ignored (with a log line),
// so a stray variable in production cannot make a worker misbehave.

export const REPORT_FAULTS = ['nan', 'inf', 'shape', 'checksum'] as const;

/** How a report is corrupted: a NaN or an infinite value in the sum, a parameter of the wrong shape, a bit flipped after the checksum. */
export type ReportFault = (typeof REPORT_FAULTS)[number];

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

/** The faults' variables, read only in test mode (an error naming the variable there, ignored elsewhere). */
const faultText = {
  reports: z
    .string()
    .transform((text) => text.split(',').map((fault) => fault.trim()))
    .pipe(z.array(z.enum(REPORT_FAULTS, { error: gotInput(`expected a comma-separated list of ${REPORT_FAULTS.join(', ')}`) }))),
  delayMs: integerText('expected a non-negative integer of milliseconds'),
};

/**
 * Reads the fault switches. Undefined when none is set.
 * @throws {ConfigError} naming the variable when test mode is on and a value is bad.
 */
export function testFaultsFromEnv(env: Env): TestFaultSwitch {
  const testMode = env[TEST_FAULT_ENV.mode] === '1';
  const { reports: reportsName, delayMs: delayName } = TEST_FAULT_ENV;
  if (!env[reportsName] && !env[delayName]) return undefined;
  if (!testMode) return { ignored: `${reportsName} and ${delayName} are ignored: they work only with ${TEST_FAULT_ENV.mode}=1 (tests)` };
  const { reports = [], delayMs = 0 } = parseEnv(env, { reports: reportsName, delayMs: delayName }, faultText);
  return { faults: { reports, delayMs } };
}

/** One line for the log, so that a worker with faults is never mistaken for an honest one. */
export function describeTestFaults(faults: TestFaults): string {
  const parts = [faults.reports.length > 0 ? `corrupting reports (${faults.reports.join(', ')})` : '', faults.delayMs > 0 ? `holding each shard ${faults.delayMs} ms` : ''];
  return `worker: TEST MODE: ${parts.filter(Boolean).join(', ') || 'no faults'}`;
}
