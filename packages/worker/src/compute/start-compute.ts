import { type BackendName, ConfigError } from '@metatrain/core';
import type { ShardCompute } from '../shards/shard-processor';
import { ComputePool } from './compute-pool';
import { FAKE_COMPUTE_ENV, type FakeComputeOptions } from './fake-compute-switch';

/** Where a worker computes its shards, how many at once, and how it stops. */
export interface WorkerCompute extends ShardCompute {
  /** Shards computed at once (compute threads). */
  readonly size: number;
  close(): Promise<void>;
}

/** What {@link startCompute} needs from the worker's options. */
export interface StartComputeOptions {
  /** Compute threads. */
  threads: number;
  /** Forced backend of the compute threads; undefined picks the fastest available. */
  backend: BackendName | undefined;
  dataDir: string;
  log: (line: string) => void;
  /** Test mode only: the compute stub instead of the compute threads. */
  fakeCompute: FakeComputeOptions | undefined;
}

/**
 * The worker's compute: its pool of compute threads, or, when a test asks for it, the compute stub
 * (testing/fake-compute.ts). The stub is loaded only then, by `import()`: no image carries
 * it, and a worker asked for it where it is missing stops with a ConfigError.
 */
export async function startCompute(options: StartComputeOptions): Promise<WorkerCompute> {
  const { fakeCompute, threads, backend, dataDir, log } = options;
  if (fakeCompute === undefined) return ComputePool.create({ threads, backend, dataDir, log });
  let stub: typeof import('./testing/fake-compute');
  try {
    stub = await import('./testing/fake-compute');
  } catch (error) {
    throw new ConfigError(FAKE_COMPUTE_ENV.msPerTask, `the compute stub is not part of this installation (${error instanceof Error ? error.message : String(error)})`);
  }
  return new stub.FakeCompute({ ...fakeCompute, threads });
}
