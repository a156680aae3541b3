import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Simulated workers for the scaling bench: real `Worker` instances (@metatrain/worker) with the
// compute stub, several per child process, so that their JavaScript does not share the
// coordinator's event loop (stub-fleet-process.ts is the child).

/** What one child process runs. */
export interface FleetConfig {
  coordinatorAddress: string;
  redisUrl: string;
  queuePrefix: string;
  queueName: string;
  /** Workers in this process, named `stub-{firstIndex + k}`. */
  workers: number;
  firstIndex: number;
  msPerTask: number;
}

/** One accepted train shard as a worker saw it (ShardEvent's times). */
export interface ShardTimes {
  version: number;
  computeMs: number;
  totalMs: number;
  /** The shard's parameter fetch (GetParameters, its wait for an unpublished version included); 0 when θ was held. */
  parametersMs: number;
}

/** What a child sends: ready once every worker consumes; its shard times and CPU time when asked to close; a worker's log line; or a failure. */
export type FleetMessage =
  | { type: 'ready' }
  | { type: 'closed'; shards: ShardTimes[]; cpuMs: number; otherOutcomes: Record<string, number> }
  | { type: 'log'; line: string }
  | { type: 'error'; message: string };

/** The fleet's children, as the bench drives them. */
export interface StubFleet {
  /** Rejects when a child fails or exits early; observed by the caller's race. */
  failed: Promise<never>;
  /** Closes every worker and collects what the children measured. */
  close(): Promise<{ shards: ShardTimes[]; cpuMs: number; otherOutcomes: Record<string, number> }>;
}

const CHILD = fileURLToPath(new URL('./stub-fleet-process.ts', import.meta.url));

/** Forks `processes` children sharing `workers` stub workers and waits until all of them consume. */
export async function startStubFleet(config: Omit<FleetConfig, 'workers' | 'firstIndex'>, workers: number, processes: number): Promise<StubFleet> {
  const children: ChildProcess[] = [];
  const closing = new Set<ChildProcess>();
  const failures: Array<Promise<never>> = [];
  const readies: Array<Promise<void>> = [];
  let first = 0;
  for (let p = 0; p < processes; p++) {
    const count = Math.floor(workers / processes) + (p < workers % processes ? 1 : 0);
    const child = fork(CHILD, [JSON.stringify({ ...config, workers: count, firstIndex: first } satisfies FleetConfig)], { execArgv: ['--import', 'tsx'] });
    first += count;
    children.push(child);
    child.on('message', (m: FleetMessage) => m.type === 'log' && process.stderr.write(`stub fleet ${p}: ${m.line}\n`));
    const failed = new Promise<never>((_, reject) => {
      child.on('message', (m: FleetMessage) => m.type === 'error' && reject(new Error(`stub fleet ${p}: ${m.message}`)));
      child.once('exit', (code) => !closing.has(child) && reject(new Error(`stub fleet ${p} exited (code ${code})`)));
    });
    failed.catch(() => undefined);
    failures.push(failed);
    readies.push(new Promise<void>((resolve) => child.on('message', (m: FleetMessage) => m.type === 'ready' && resolve())));
  }
  const failed = Promise.race(failures);
  failed.catch(() => undefined);
  try {
    await Promise.race([Promise.all(readies), failed]);
  } catch (error) {
    for (const child of children) child.kill();
    throw error;
  }
  return {
    failed,
    close: async () => {
      const results = await Promise.all(
        children.map(
          (child) =>
            new Promise<Extract<FleetMessage, { type: 'closed' }>>((resolve, reject) => {
              closing.add(child);
              child.on('message', (m: FleetMessage) => m.type === 'closed' && resolve(m));
              child.once('exit', (code) => reject(new Error(`stub fleet exited (code ${code}) before reporting`)));
              child.send({ type: 'close' });
            }),
        ),
      );
      await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
      const otherOutcomes: Record<string, number> = {};
      for (const r of results) for (const [k, v] of Object.entries(r.otherOutcomes)) otherOutcomes[k] = (otherOutcomes[k] ?? 0) + v;
      return { shards: results.flatMap((r) => r.shards), cpuMs: results.reduce((n, r) => n + r.cpuMs, 0), otherOutcomes };
    },
  };
}
