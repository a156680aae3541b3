import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CliRun, runCommands } from './cli-runs';
import { runSimulated, type SimulatedRun, WARM_UP } from './scaling-simulated';

/**
 * `pnpm bench scaling` (issue 13 part 5), writes docs/bench-scaling.md:
 *
 * a. Real compute on this machine: `train` against `local` with 1 and 2 workers (cli-runs.ts),
 *    tasks/s over the training rounds, on the paper sinusoid setting with `shardSize: auto`
 *    and on Conv4 ProtoNets on the shipped Omniglot zips.
 * b. Orchestration at scale: the coordinator's job side in this process (bench-coordinator.ts)
 *    against W real Workers with the compute stub in child processes (stub-fleet.ts), each
 *    round W one-task shards of 5 or 50 ms: round time, scaling efficiency (the ideal round is
 *    one shard's compute) and the shard trip beyond compute (ShardEvent totalMs − computeMs).
 * c. From the same runs: the coordinator's orchestration overhead per round and its CPU time.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const PARTS = new Set((process.env.BENCH_SCALING_PARTS ?? 'real,simulated').split(','));
const SINUSOID_ROUNDS = env('BENCH_SINUSOID_ROUNDS', 600);
const CONV4_ROUNDS = env('BENCH_CONV4_ROUNDS', 8);
const WORKER_COUNTS = (process.env.BENCH_SCALING_WORKERS ?? '1,8,64,256').split(',').map(Number);
const SHARD_MS = (process.env.BENCH_SCALING_SHARD_MS ?? '5,50').split(',').map(Number);
/** Rounds per simulated setting; the 256-worker ones take about a second a round here, so fewer. */
const ROUNDS = env('BENCH_SCALING_ROUNDS', 100);
const ROUNDS_LARGE = env('BENCH_SCALING_ROUNDS_LARGE', 30);
/** At most this many stub workers per child process. */
const WORKERS_PER_PROCESS = env('BENCH_SCALING_WORKERS_PER_PROCESS', 128);
const OUT = new URL('../docs/bench-scaling.md', import.meta.url);
const DATASETS = resolve('datasets/omniglot');
/** Real-compute rounds left out of tasks/s: the first, where `local`'s workers build their compute contexts (Omniglot: decode the zips). */
const SKIP_ROUNDS = 1;

const sinusoidSpec = (rounds: number) => `
name: scaling-sinusoid
algorithm: maml
model: { kind: mlp, hidden: [40, 40], activation: relu }
tasks: { family: sinusoid, shots: 5, queryShots: 10 }
inner: { steps: 1, lr: 0.01 }
outer: { optimizer: adam, lr: 0.001, metaBatchSize: 25, iterations: ${rounds} }
blockSize: 5
shardSize: auto
checkpoint: { everyRounds: ${rounds + 1}, keep: 1 }
seed: 1
`;

// examples/omniglot-protonet.yaml without its evaluation: 4 episodes a round, one per block.
const conv4Spec = (rounds: number) => `
name: scaling-conv4
algorithm: protonet
model: { kind: conv4, channels: 32 }
tasks:
  family: omniglot
  path: ${DATASETS}/images_background_small1.zip
  testPath: ${DATASETS}/images_background_small2.zip
  ways: 5
  shots: 1
  queryShots: 5
outer: { optimizer: adam, lr: 0.001, metaBatchSize: 4, iterations: ${rounds} }
blockSize: 1
shardSize: auto
checkpoint: { everyRounds: ${rounds + 1}, keep: 1 }
seed: 1
`;

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? NaN;
}
const median = (values: readonly number[]): number => percentile(values, 50);
const f = (value: number, digits = 1): string => value.toFixed(digits);
const pct = (value: number): string => `${(value * 100).toFixed(0)} %`;

interface RealResult {
  label: string;
  rounds: number;
  runs: CliRun[];
}

async function measureReal(): Promise<RealResult[]> {
  const settings = [
    { label: 'paper sinusoid: MAML 1-40-40-1, 5-shot, meta-batch 25, blockSize 5, shardSize auto', rounds: SINUSOID_ROUNDS, spec: sinusoidSpec(SINUSOID_ROUNDS) },
    { label: 'Conv4-32 ProtoNets, Omniglot 5-way 1-shot, 5 queries, meta-batch 4, blockSize 1, shardSize auto', rounds: CONV4_ROUNDS, spec: conv4Spec(CONV4_ROUNDS) },
  ];
  const results: RealResult[] = [];
  for (const s of settings) {
    const dir = await mkdtemp(join(tmpdir(), 'metatrain-bench-scaling-'));
    try {
      results.push({ label: s.label, rounds: s.rounds, runs: await runCommands(s.label, s.spec, dir, SKIP_ROUNDS) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

async function measureSimulated(): Promise<SimulatedRun[]> {
  const runs: SimulatedRun[] = [];
  for (const msPerTask of SHARD_MS) {
    for (const workers of WORKER_COUNTS) {
      const setting = { workers, msPerTask, rounds: workers > 64 ? ROUNDS_LARGE : ROUNDS, processes: Math.ceil(workers / WORKERS_PER_PROCESS) };
      process.stderr.write(`simulated: ${workers} workers (${setting.processes} processes), ${msPerTask} ms shards, ${setting.rounds} rounds …\n`);
      const run = await runSimulated(setting, REDIS_URL);
      const trips = run.shards.map((s) => s.totalMs - s.computeMs);
      process.stderr.write(
        `  round median ${f(median(run.roundMs))} ms, efficiency ${pct(msPerTask / median(run.roundMs))}, trip beyond compute median ${f(median(trips))} ms, ` +
          `overhead median ${f(median(run.overheadMs), 2)} ms p99 ${f(percentile(run.overheadMs, 99), 2)} ms, coordinator CPU ${f(run.coordinatorCpuMsPerRound)} ms/round\n`,
      );
      runs.push(run);
    }
  }
  return runs;
}

function realTable(results: RealResult[]): string[] {
  const lines = ['| spec | rounds | `train` tasks/s | `local --workers 1` | `local --workers 2` | wall times (s) | exports |', '|---|---:|---:|---:|---:|---|---|'];
  for (const r of results) {
    const [train, one, two] = r.runs as [CliRun, CliRun, CliRun];
    const ratio = (run: CliRun) => `${f(run.tasksPerSecond)} (${f(run.tasksPerSecond / train.tasksPerSecond, 2)}×)`;
    const same = r.runs.every((run) => run.weights.equals(train.weights)) ? 'same bytes' : 'DIFFERENT';
    lines.push(`| ${r.label} | ${r.rounds} | ${f(train.tasksPerSecond)} | ${ratio(one)} | ${ratio(two)} | ${r.runs.map((run) => f(run.wallSeconds)).join(' / ')} | ${same} |`);
  }
  return lines;
}

function simulatedTables(runs: SimulatedRun[]): string[] {
  const scaling = [
    '| shard compute (ms) | workers | fleet processes | rounds measured | round median (ms) | ideal (ms) | efficiency | trip beyond compute median (ms) | p90 (ms) | of which θ fetch, median (ms) | trip beyond compute and θ fetch, median (ms) | stub compute median (ms) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const overhead = ['| shard compute (ms) | workers | overhead median (ms) | p99 (ms) | coordinator CPU per round (ms) | fleet CPU per round (ms) |', '|---:|---:|---:|---:|---:|---:|'];
  for (const r of runs) {
    const trips = r.shards.map((s) => s.totalMs - s.computeMs);
    const round = median(r.roundMs);
    scaling.push(
      `| ${r.msPerTask} | ${r.workers} | ${r.processes} | ${r.roundMs.length} | ${f(round)} | ${r.msPerTask} | ${pct(r.msPerTask / round)} | ${f(median(trips))} | ${f(percentile(trips, 90))} | ` +
        `${f(median(r.shards.map((s) => s.parametersMs)))} | ${f(median(r.shards.map((s) => s.totalMs - s.computeMs - s.parametersMs)))} | ${f(median(r.shards.map((s) => s.computeMs)))} |`,
    );
    overhead.push(`| ${r.msPerTask} | ${r.workers} | ${f(median(r.overheadMs), 2)} | ${f(percentile(r.overheadMs, 99), 2)} | ${f(r.coordinatorCpuMsPerRound)} | ${f(r.fleetCpuMsPerRound)} |`);
    const odd = Object.entries(r.otherOutcomes);
    if (odd.length > 0 || r.reenqueued > 0) scaling.push(`| | | | | (${odd.map(([k, v]) => `${v} ${k}`).join(', ')}${r.reenqueued ? `, ${r.reenqueued} re-enqueued` : ''}) | | | | | | | |`);
  }
  return [...scaling, '', ...overhead];
}

/** The issue's targets against what was measured ('—' where the setting was not run). */
function targets(real: RealResult[], simulated: SimulatedRun[]): string[] {
  const sim = (workers: number, ms: number) => simulated.find((r) => r.workers === workers && r.msPerTask === ms);
  const lines = ['| target | measured | met |', '|---|---:|---|'];
  const row = (target: string, value: number | undefined, ok: (v: number) => boolean, show: (v: number) => string) =>
    lines.push(`| ${target} | ${value === undefined || Number.isNaN(value) ? '—' : show(value)} | ${value === undefined || Number.isNaN(value) ? '—' : ok(value) ? 'yes' : 'no'} |`);
  const ms = (v: number) => `${f(v, 2)} ms`;
  const overheads64 = simulated.filter((r) => r.workers === 64).flatMap((r) => r.overheadMs);
  row('coordinator overhead ≤ 2 ms median at 64 workers (both shard times)', overheads64.length ? median(overheads64) : undefined, (v) => v <= 2, ms);
  row('coordinator overhead ≤ 5 ms p99 at 64 workers (both shard times)', overheads64.length ? percentile(overheads64, 99) : undefined, (v) => v <= 5, ms);
  for (const workers of [1, 64]) {
    const r = sim(workers, 50);
    row(`shard trip beyond compute ≤ 3 ms median, ${workers} worker${workers > 1 ? 's' : ''}, 50 ms shards`, r ? median(r.shards.map((x) => x.totalMs - x.computeMs)) : undefined, (v) => v <= 3, ms);
  }
  for (const [workers, goal] of [[8, 0.9], [64, 0.8]] as const) {
    const r = sim(workers, 50);
    row(`efficiency ≥ ${goal * 100} % at ${workers} workers, 50 ms shards`, r ? 50 / median(r.roundMs) : undefined, (v) => v >= goal, pct);
  }
  const ratio = (label: string) => {
    const r = real.find((x) => x.label.startsWith(label));
    return r ? (r.runs[2]?.tasksPerSecond ?? NaN) / (r.runs[0]?.tasksPerSecond ?? NaN) : undefined;
  };
  row('`local --workers 2` ≥ 1.0× `train`, paper sinusoid, auto', ratio('paper sinusoid'), (v) => v >= 1, (v) => `${f(v, 2)}×`);
  row('`local --workers 2` ≥ 1.8× `train`, Conv4', ratio('Conv4'), (v) => v >= 1.8, (v) => `${f(v, 2)}×`);
  return lines;
}

async function main(): Promise<void> {
  const real = PARTS.has('real') ? await measureReal() : [];
  if (real.length > 0) process.stderr.write(`${realTable(real).join('\n')}\n`);
  const simulated = PARTS.has('simulated') ? await measureSimulated() : [];
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`;
  const lines = [`Scaling benchmark (\`pnpm bench scaling\`), on ${machine}; one run of each setting.`, ''];
  if (real.length > 0) {
    lines.push(
      '**a. Real compute**: `metatrain train` against `metatrain local` with 1 and 2 worker processes (wasm backend, a private redis-server, directory storage); tasks/s over the training rounds after the first (metrics.jsonl: start-up, the first round, in which the workers of `local` build their compute contexts, and the export left out), ratio to `train` in brackets.',
      '',
      ...realTable(real),
      '',
    );
  }
  if (simulated.length > 0) {
    lines.push(
      `**b. Orchestration at scale**: the coordinator's job side in the bench process (JobManager, RedisJobRegistry, BullShardQueue on Redis at ${new URL(REDIS_URL).host}, WorkerService and JobService on grpc-js, worker table and report accounting; checkpoints in memory, none during the run) against W real \`Worker\`s with the compute stub (\`METATRAIN_FAKE_COMPUTE_MS_PER_TASK\`), at most ${WORKERS_PER_PROCESS} per child process. ` +
        `Sinusoid MAML 1-40-40-1 (1761 parameters); metaBatchSize W, blockSize 1, shardSize 1: each round is W shards of one task, one per worker, so the ideal round time is one shard's compute. ` +
        `Round time: from one RoundCompleted to the next; first ${WARM_UP} rounds left out. Trip beyond compute: each accepted train shard's ShardEvent totalMs − computeMs (spec, θ fetch once per version, report, the coordinator's answer); ` +
        `θ fetch: the stub's GetParameters call, which includes waiting for a version enqueued ahead and not yet published (so it holds a worker's idle wait for the round before to close), split out.`,
      '',
      ...simulatedTables(simulated),
      '',
      '**c.** Overhead: `JobObserver.orchestrationOverhead` (last report of a round accepted → the parameters of the next round published and its shards in the queue; with rounds enqueued ahead, mostly the outer step). Coordinator CPU: `process.cpuUsage()` of the bench process (the coordinator alone; the workers are in other processes) over the measured rounds. Fleet CPU: all child processes, whole run.',
      '',
    );
  }
  lines.push('Targets (issue 13):', '', ...targets(real, simulated), '');
  lines.push(
    `Reproduce: \`pnpm bench scaling\` (BENCH_SCALING_PARTS=${[...PARTS].join(',')}; BENCH_SINUSOID_ROUNDS=${SINUSOID_ROUNDS}, BENCH_CONV4_ROUNDS=${CONV4_ROUNDS}; ` +
      `BENCH_SCALING_WORKERS=${WORKER_COUNTS.join(',')}, BENCH_SCALING_SHARD_MS=${SHARD_MS.join(',')}, BENCH_SCALING_ROUNDS=${ROUNDS} (${ROUNDS_LARGE} above 64 workers: BENCH_SCALING_ROUNDS_LARGE), BENCH_SCALING_WORKERS_PER_PROCESS=${WORKERS_PER_PROCESS}; REDIS_URL or redis://127.0.0.1:6379).`,
  );
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  await writeFile(OUT, `${table}\n`);
  process.exit(0);
}

await main();
