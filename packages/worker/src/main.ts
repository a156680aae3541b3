// `pnpm start:worker`: the worker process, configured by environment (docs/RUNNING.md).
import { BackendError, ConfigError, type Log, logFormatFromEnv, processLog, SpecError } from '@metatrain/core';
import { WORKER_LOG_ENV, workerOptionsFromEnv } from './config/worker-options';
import { RegistrationError, WorkerClosedError } from './errors';
import { describeFakeCompute, fakeComputeFromEnv } from './compute/fake-compute-switch';
import { describeTestFaults, testFaultsFromEnv } from './faults/test-faults';
import type { ShardEvent } from './shards/shard-event';
import { Worker } from './worker';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

const debug = process.env[WORKER_LOG_ENV] === 'debug';
/** Text until LOG_FORMAT is read: a bad LOG_FORMAT is itself reported in text. */
let log: Log = processLog({ format: 'text', component: 'worker' });

function describeShard(event: ShardEvent): string {
  const timing = [event.computeMs !== undefined ? `compute ${Math.round(event.computeMs)} ms` : '', `total ${Math.round(event.totalMs)} ms`].filter(Boolean).join(', ');
  return `worker: shard ${event.queueJobId} ${event.outcome}${event.reason ? `: ${event.reason}` : ''} (${timing})`;
}

async function main(): Promise<number> {
  log = processLog({ format: logFormatFromEnv(process.env), component: 'worker' });
  const abort = new AbortController();
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      abort.abort();
      resolve(signal);
    };
    // once: a second Ctrl-C gets Node's default handling and ends the process at once.
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  const options = workerOptionsFromEnv(process.env);
  const faultSwitch = testFaultsFromEnv(process.env);
  if (faultSwitch && 'ignored' in faultSwitch) log(`worker: ${faultSwitch.ignored}`);
  const faults = faultSwitch && 'faults' in faultSwitch ? { faults: faultSwitch.faults } : {};
  if (faults.faults) log(describeTestFaults(faults.faults));
  const fakeCompute = fakeComputeFromEnv(process.env);
  if (fakeCompute) log(describeFakeCompute(fakeCompute));
  let worker: Worker;
  try {
    worker = await Worker.create({ ...options, ...faults, ...(fakeCompute ? { fakeCompute } : {}), log, signal: abort.signal, ...(debug ? { onShard: (event: ShardEvent) => log(describeShard(event), { jobId: event.jobId }) } : {}) });
  } catch (error) {
    // Stopped before it was ready (waiting for the coordinator or Redis): nothing to hand back.
    if (error instanceof WorkerClosedError && abort.signal.aborted) return 0;
    throw error;
  }
  log(`worker ready: ${worker.workerId} pool=${worker.pool} backend=${worker.backend.name} coordinator=${worker.coordinatorAddress}${worker.httpAddress ? ` http=${worker.httpAddress}` : ''}`);
  const signal = await signalled;
  if (debug) log(`worker: ${signal}; finishing the shard in hand`);
  await worker.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof BackendError || error instanceof SpecError || error instanceof RegistrationError) {
      log(`worker: ${error instanceof ConfigError ? 'configuration error: ' : ''}${error.message}`, { level: 'error' });
      process.exit(EXIT_USAGE);
    }
    log(`worker: ${debug && error instanceof Error ? (error.stack ?? error.message) : error instanceof Error ? error.message : String(error)}`, { level: 'error' });
    process.exit(EXIT_FAILURE);
  },
);
