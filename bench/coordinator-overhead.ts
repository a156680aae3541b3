import { type ChildProcess, fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BullShardQueue, JobObserver, RedisJobRegistry } from '@metatrain/coordinator';
import { createComputeContext, selectBackend } from '@metatrain/metalearn';
import { applyRound, createTaskFamily, initialState, type ParamSet, parseSpecText, planRoundBlocks, sizeOf } from '@metatrain/core';
import { fetchParameters, grpc, parseShardMessage, reportShard, ReportStatus, WorkerServiceClient } from '@metatrain/contract';
import { BENCH_LANE, startBenchCoordinator } from './bench-coordinator';
// bullmq and ioredis are dependencies of @metatrain/coordinator, not of the root package:
// these are the coordinator's copies (the very modules its ShardQueue and JobRegistry use).
import { QueueWorker, Redis, WaitingError } from '@metatrain/coordinator/testing';

/**
 * The coordinator's own cost per round: from the last shard report of round r to θ_{r+1}
 * published with round r+1's shards in the queue (the `orchestrationOverhead` a JobObserver
 * receives), through the coordinator's job side (bench-coordinator.ts: JobManager,
 * RedisJobRegistry, BullShardQueue, WorkerService on gRPC), with simulated workers that fetch θ
 * (once per version, as real workers do) and report a zero sum the moment they have it. The
 * workers run in a child process, as real workers would, so their JavaScript does not share
 * the coordinator's event loop; Redis is shared, as in production.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
/** Overhead samples (and rounds) left out at the start of each setting: connections, JIT. */
const WARM_UP = 20;
const WORKER_COUNTS = [1, 8, 64];
/** The checkpoint setting: a checkpoint every CHECKPOINT_EVERY rounds, the rest as above. */
const CHECKPOINT_EVERY = 5;
const CHECKPOINT_ROUNDS = 120;
const CHECKPOINT_WORKERS = 8;
const FLEET_FLAG = '--simulated-fleet';

const spec = (rounds: number, checkpointEvery: number): string => `
name: coordinator-overhead
algorithm: maml
model: { kind: mlp, hidden: [40, 40], activation: relu }
tasks: { family: sinusoid, shots: 5, queryShots: 10 }
inner: { steps: 1, lr: 0.01 }
outer: { optimizer: adam, lr: 0.001, metaBatchSize: 64, iterations: ${rounds} }
blockSize: 1
shardSize: 1
checkpoint: { everyRounds: ${checkpointEvery}, keep: 3 }
seed: 1
`;

/** What the simulated fleet (the child process) needs. */
interface FleetConfig {
  address: string;
  redisUrl: string;
  prefix: string;
  queueName: string;
  workers: number;
  spec: string;
}

type FleetMessage = { type: 'ready' } | { type: 'error'; message: string };

/** Keeps every overhead sample raw, tagged with the round that had just completed. */
class RecordingObserver implements JobObserver {
  readonly overheads: Array<{ ms: number; afterRound: number }> = [];
  readonly completedAt: number[] = [];
  reenqueued = 0;
  private lastRound = -1;

  jobSubmitted(): void {}
  roundCompleted(round: { round: number }): void {
    this.lastRound = round.round;
    this.completedAt.push(performance.now());
  }
  orchestrationOverhead(seconds: number): void {
    this.overheads.push({ ms: seconds * 1000, afterRound: this.lastRound });
  }
  shardsReenqueued(count: number): void {
    this.reenqueued += count;
  }
  checkpointWritten(): void {}
  checkpointFailed(): void {}
  jobFinished(): void {}
}

interface Measured {
  observer: RecordingObserver;
  /** Durations of BullShardQueue.enqueue and of the per-round RedisJobRegistry.updateJob, ms. */
  enqueueMs: number[];
  registryMs: number[];
}

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? NaN;
}

const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
const median = (values: readonly number[]): number => percentile(ascending(values), 50);
const ms = (value: number): string => value.toFixed(2);

/** Runs one job of `rounds` rounds against `workers` simulated workers and records it all. */
async function measure(workers: number, rounds: number, checkpointEvery: number): Promise<Measured> {
  const measured: Measured = { observer: new RecordingObserver(), enqueueMs: [], registryMs: [] };
  // Every worker answers at once: no straggler re-enqueues (the bench coordinator's default deadline).
  const coordinator = await startBenchCoordinator({ redisUrl: REDIS_URL, observer: measured.observer, computeSlots: () => workers });
  try {
    timeCalls(coordinator.queue, coordinator.registry, measured);
    const specText = spec(rounds, checkpointEvery);
    const fleet = await startFleet({ address: coordinator.address, redisUrl: REDIS_URL, prefix: coordinator.prefix, queueName: coordinator.queue.queueName, workers, spec: specText });
    try {
      const job = await coordinator.manager.submit(specText);
      await Promise.race([coordinator.jobEnded(job.id), fleet.failed]);
    } finally {
      await fleet.close();
    }
    return measured;
  } finally {
    await coordinator.close();
  }
}

/** Records how long the two Redis-bound steps of the window take, on these instances only. */
function timeCalls(queue: BullShardQueue, registry: RedisJobRegistry, into: Measured): void {
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = async (...args) => {
    const started = performance.now();
    const result = await enqueue(...args);
    into.enqueueMs.push(performance.now() - started);
    return result;
  };
  const updateJob = registry.updateJob.bind(registry);
  registry.updateJob = async (id, change) => {
    const started = performance.now();
    const result = await updateJob(id, change);
    // Only the end-of-round update (round, loss, backends) is inside the window.
    if (change.state === undefined) into.registryMs.push(performance.now() - started);
    return result;
  };
}

/** Forks the simulated fleet and waits until its BullMQ workers listen. */
async function startFleet(config: FleetConfig): Promise<{ failed: Promise<never>; close(): Promise<void> }> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [FLEET_FLAG, JSON.stringify(config)], { execArgv: ['--import', 'tsx'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const failed = new Promise<never>((_, reject) => {
    child.on('message', (message: FleetMessage) => message.type === 'error' && reject(new Error(`simulated worker: ${message.message}`)));
    void exited.then((code) => reject(new Error(`the simulated fleet exited (code ${code})`)));
  });
  failed.catch(() => undefined); // observed by the caller's race; not an unhandled rejection meanwhile
  await Promise.race([new Promise<void>((resolve) => child.on('message', (m: FleetMessage) => m.type === 'ready' && resolve())), failed]);
  return {
    failed,
    close: async () => {
      if (child.exitCode === null) child.send({ type: 'close' });
      await exited;
    },
  };
}

/**
 * The child process: `workers` BullMQ consumers on the shard queue, each fetching θ of its
 * shard's version when it does not hold it (GetParameters waits for a version enqueued ahead;
 * "not published yet" hands the shard back, as a real worker does), reporting the shard at
 * once over gRPC (a zero sum in the job's layout and finite per-task losses), then
 * acknowledging the queue job, as a real worker does after the coordinator's answer.
 */
async function runFleet(config: FleetConfig): Promise<void> {
  const send = (message: FleetMessage): void => void process.send?.(message);
  const parsed = parseSpecText(config.spec);
  const { layout } = createComputeContext(parsed, createTaskFamily(parsed.tasks, { baseDir: process.cwd() }));
  const zeroSum: ParamSet = layout.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(sizeOf(p.shape)) }));
  const client = new WorkerServiceClient(config.address, grpc.credentials.createInsecure());
  const workers = Array.from({ length: config.workers }, (_, w) => {
    const workerId = `simulated-${w}`;
    let held = -1;
    const worker = new QueueWorker(
      config.queueName,
      async (job, token) => {
        const shard = parseShardMessage(job.data);
        if (held !== shard.version) {
          try {
            await fetchParameters(client, shard.jobId, shard.version, Date.now() + 10_000);
          } catch (error) {
            if ((error as { code?: unknown }).code !== grpc.status.ABORTED) throw error;
            await job.moveToWait(token);
            throw new WaitingError();
          }
          held = shard.version;
        }
        const blocks = planRoundBlocks(parsed).slice(shard.firstBlock, shard.firstBlock + shard.blockCount);
        const taskMetrics = [];
        for (let task = blocks[0]?.start ?? 0; task < (blocks.at(-1)?.end ?? 0); task++) {
          const preLoss = 2 + Math.sin(shard.version + task); // a sinusoid task's MSE before adaptation is a few units
          taskMetrics.push({ taskIndex: task, preLoss, postLoss: preLoss / 2 });
        }
        const header = { jobId: shard.jobId, version: shard.version, firstBlock: shard.firstBlock, blockCount: shard.blockCount, workerId, backend: BENCH_LANE.backend, taskMetrics, computeMs: 0 };
        const response = await reportShard(client, header, blocks.map(() => zeroSum), Date.now() + 10_000);
        if (response.status === ReportStatus.REJECTED) {
          send({ type: 'error', message: `${job.id}: REJECTED: ${response.reason}` });
          throw new Error(response.reason);
        }
      },
      { connection: { url: config.redisUrl, maxRetriesPerRequest: null }, prefix: config.prefix, concurrency: 1 },
    );
    worker.on('failed', (job, err) => send({ type: 'error', message: `${job?.id ?? '?'}: ${err.message}` }));
    worker.on('error', (err) => send({ type: 'error', message: err.message }));
    return worker;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const close = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.close()));
    client.close();
    process.exit(0);
  };
  process.on('message', (message: { type: string }) => message.type === 'close' && void close());
  process.on('disconnect', () => void close()); // the bench died: do not linger
  send({ type: 'ready' });
}

/** The isolated cost of the outer step for this job (`applyRound` on 64 zero block sums), and the parameter count. */
function outerStep(): { ms: number; parameters: number } {
  const parsed = parseSpecText(spec(1, 1));
  const ctx = createComputeContext(parsed, createTaskFamily(parsed.tasks, { baseDir: process.cwd() }));
  const shards = planRoundBlocks(parsed).map((s) => ({
    sum: ctx.layout.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(sizeOf(p.shape)) })),
    metrics: [{ task: s.start, preLoss: 2, postLoss: 1 }],
  }));
  const samples: number[] = [];
  let state = initialState(ctx);
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    state = applyRound(parsed, { ...state, version: 0 }, shards).state;
    samples.push(performance.now() - started);
  }
  return { ms: median(samples.slice(WARM_UP)), parameters: ctx.layout.reduce((n, p) => n + sizeOf(p.shape), 0) };
}

async function main(): Promise<void> {
  await selectBackend({ log: (line) => process.stderr.write(`${line}\n`) });
  const rows: string[] = [];
  const parts: string[] = [];
  for (const workers of WORKER_COUNTS) {
    const { observer, enqueueMs, registryMs } = await measure(workers, ROUNDS, ROUNDS + 1);
    const overhead = observer.overheads.slice(WARM_UP).map((o) => o.ms);
    const sorted = ascending(overhead);
    const steady = observer.completedAt.slice(WARM_UP);
    const roundsPerSecond = ((steady.length - 1) * 1000) / ((steady.at(-1) ?? 0) - (steady[0] ?? 0));
    const [p50, p99] = [percentile(sorted, 50), percentile(sorted, 99)];
    process.stderr.write(`${workers} workers: overhead median ${ms(p50)} ms, p99 ${ms(p99)} ms, ${roundsPerSecond.toFixed(1)} rounds/s\n`);
    if (observer.reenqueued > 0) process.stderr.write(`  (${observer.reenqueued} shards were re-enqueued: the numbers include straggler handling)\n`);
    rows.push(`| ${workers} | ${ROUNDS} | ${ms(p50)} | ${ms(p99)} | ${roundsPerSecond.toFixed(1)} |`);
    parts.push(`| ${workers} | ${ms(p50)} | ${ms(median(enqueueMs.slice(WARM_UP + 1)))} | ${ms(median(registryMs.slice(WARM_UP)))} |`);
  }

  const { observer } = await measure(CHECKPOINT_WORKERS, CHECKPOINT_ROUNDS, CHECKPOINT_EVERY);
  const samples = observer.overheads.slice(WARM_UP);
  const isCheckpoint = (s: { afterRound: number }): boolean => (s.afterRound + 1) % CHECKPOINT_EVERY === 0;
  const withCheckpoint = samples.filter(isCheckpoint).map((s) => s.ms);
  const without = samples.filter((s) => !isCheckpoint(s)).map((s) => s.ms);
  const checkpointLine =
    `Checkpoint rounds (${CHECKPOINT_WORKERS} workers, a checkpoint every ${CHECKPOINT_EVERY} of ${CHECKPOINT_ROUNDS} rounds, in-memory storage): ` +
    `overhead median ${ms(median(withCheckpoint))} ms over ${withCheckpoint.length} rounds that wrote one, ${ms(median(without))} ms over the ${without.length} others.`;
  process.stderr.write(`${checkpointLine}\n`);

  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const step = outerStep();
  const table = [
    `Coordinator overhead per round: last shard report → next round's parameters published and its shards in the queue (\`JobObserver.orchestrationOverhead\`). ` +
      `Sinusoid MAML, 1-40-40-1, meta-batch 64, shard size 1 (64 shards per round); simulated workers fetch θ once per version and report at once over gRPC; ` +
      `Redis ${await redisVersion()} at ${new URL(REDIS_URL).host}; ${cpu}, ${cpus().length} cores; first ${WARM_UP} rounds of each setting left out.`,
    '',
    '| workers | rounds | overhead median (ms) | p99 (ms) | rounds/s |',
    '|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'The two Redis-bound steps, now off the path between rounds (medians, ms): the enqueue of the next round runs while the current one does, the registry update after the round in the background.',
    '',
    '| workers | overhead | `BullShardQueue.enqueue` (ahead) | `RedisJobRegistry.updateJob` (background) |',
    '|---:|---:|---:|---:|',
    ...parts,
    '',
    `The outer step alone (\`applyRound\`: 64 shard sums reduced, Adam on ${step.parameters} parameters) takes ${ms(step.ms)} ms, measured apart.`,
    '',
    checkpointLine,
    '',
    `Reproduce: \`pnpm bench coordinator-overhead\` (\`BENCH_ROUNDS\`=${ROUNDS} rounds per setting; REDIS_URL or redis://127.0.0.1:6379).`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  await writeFile(new URL('../docs/bench-coordinator-overhead.md', import.meta.url), `${table}\n`);
}

async function redisVersion(): Promise<string> {
  const redis = await connectRedis();
  try {
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  } finally {
    await redis.quit();
  }
}

/** A connection of the bench's own that fails once instead of retrying (its errors are thrown). */
async function connectRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined); // the failing command rejects with the same error
  await redis.connect();
  return redis;
}

const fleetAt = process.argv.indexOf(FLEET_FLAG);
if (fleetAt >= 0) await runFleet(JSON.parse(process.argv[fleetAt + 1] ?? '{}') as FleetConfig);
else await main();
