import { ConfigError, type Env, integerText, parseEnv } from '@metatrain/core';
import { TEST_FAULT_ENV } from '../faults/test-faults';

// The compute stub's switch (the stub itself is testing/fake-compute.ts, which no image
// carries: .dockerignore leaves testing/ folders out). Unlike the fault switches, a stub
// asked for outside test mode is an error, not a log line: a worker that would silently
// compute for real where a test expected a stub (or the reverse) is worse than one that stops.

/** The stub's variable; like the fault switches, it needs METATRAIN_TEST_MODE=1. */
export const FAKE_COMPUTE_ENV = { msPerTask: 'METATRAIN_FAKE_COMPUTE_MS_PER_TASK' } as const;

/** What the stub does instead of computing: waits `msPerTask` per task of a shard, then answers zero sums. */
export interface FakeComputeOptions {
  msPerTask: number;
}

const fakeText = { msPerTask: integerText('expected a non-negative integer of milliseconds') };

/**
 * Reads the stub's switch. Undefined when it is not set.
 * @throws {ConfigError} naming the variable: set without METATRAIN_TEST_MODE=1, or a bad value.
 */
export function fakeComputeFromEnv(env: Env): FakeComputeOptions | undefined {
  const name = FAKE_COMPUTE_ENV.msPerTask;
  if (!env[name]) return undefined;
  if (env[TEST_FAULT_ENV.mode] !== '1') throw new ConfigError(name, `the compute stub works only with ${TEST_FAULT_ENV.mode}=1 (tests and benchmarks)`);
  const { msPerTask = 0 } = parseEnv(env, FAKE_COMPUTE_ENV, fakeText);
  return { msPerTask };
}

/** One line for the log, so that a stub worker is never mistaken for one that computes. */
export function describeFakeCompute(options: FakeComputeOptions): string {
  return `worker: TEST MODE: compute stub, ${options.msPerTask} ms per task, zero block sums`;
}
