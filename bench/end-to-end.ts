import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storageKeys } from '@metatrain/core';

/**
 * End-to-end tasks/s of the same spec run three ways on this machine: `metatrain train` (one
 * process), and `metatrain local` with 1 and with 2 worker processes (coordinator, workers and
 * a private redis-server, directory storage). Each command runs once as a real process; the
 * table gives the wall time of the whole command, the tasks/s over its training rounds
 * (from metrics.jsonl, so process start-up and the final evaluation are left out) and the
 * ratio to `train`. It also checks that the three exports are the same bytes (docs/ARCHITECTURE.md §9).
 */

const MAIN = fileURLToPath(import.meta.resolve('@metatrain/cli/main'));
const OUT = fileURLToPath(new URL('../docs/bench-end-to-end.md', import.meta.url));

interface Setting {
  label: string;
  spec: string;
}

// One block per shard, so that "in shards of N" below is N tasks per queue trip, as measured.
const spec = (name: string, hidden: string, metaBatchSize: number, tasksPerShard: number, iterations: number) => `
name: ${name}
algorithm: maml
model: { kind: mlp, hidden: ${hidden}, activation: relu }
tasks: { family: sinusoid, shots: 5, queryShots: 10 }
inner: { steps: 1, lr: 0.01 }
outer: { optimizer: adam, lr: 0.001, metaBatchSize: ${metaBatchSize}, iterations: ${iterations} }
blockSize: ${tasksPerShard}
shardSize: 1
checkpoint: { everyRounds: 500, keep: 2 }
seed: 1
`;

const SETTINGS: Setting[] = [
  // The main example's shape (examples/sinusoid-maml.yaml without its periodic evaluation):
  // 5 small shards per round, so the per-round orchestration is a large share.
  { label: 'paper setting: 1-40-40-1, meta-batch 25 in shards of 5', spec: spec('e2e-small', '[40, 40]', 25, 5, Number(process.env.BENCH_SMALL_ROUNDS ?? 600)) },
  // Compute-bound shards: each takes long enough that two workers can overlap their work.
  { label: 'wide: 1-256-256-1, meta-batch 32 in shards of 16', spec: spec('e2e-wide', '[256, 256]', 32, 16, Number(process.env.BENCH_WIDE_ROUNDS ?? 150)) },
];

interface Run {
  command: string;
  wallSeconds: number;
  tasksPerSecond: number;
  weights: Buffer;
}

function metatrain(args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`metatrain ${args.join(' ')} exited ${code}:\n${stderr}`))));
  });
}

/** Tasks/s over the training rounds: all tasks over the summed round times. */
async function trainingTasksPerSecond(outDir: string): Promise<number> {
  const lines = (await readFile(join(outDir, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { tasks: number; roundMs: number });
  const tasks = lines.reduce((n, l) => n + l.tasks, 0);
  const ms = lines.reduce((n, l) => n + l.roundMs, 0);
  return (tasks * 1000) / ms;
}

/** weights.bin of a run directory's export (`train` and `local` write the same layout). */
async function exportedWeights(outDir: string): Promise<Buffer> {
  return readFile(join(outDir, storageKeys.runDirectory('e2e').exportFile('weights.bin')));
}

async function runAll(setting: Setting, dir: string): Promise<Run[]> {
  const specPath = join(dir, 'spec.yaml');
  await writeFile(specPath, setting.spec);
  const commands: Array<[string, string[]]> = [
    ['train', ['train', specPath]],
    ['local --workers 1', ['local', specPath, '--workers', '1']],
    ['local --workers 2', ['local', specPath, '--workers', '2']],
  ];
  const runs: Run[] = [];
  for (const [command, args] of commands) {
    const outDir = join(dir, command.replace(/\W+/g, '-'));
    process.stderr.write(`${setting.label}: ${command} …\n`);
    const wallSeconds = await metatrain([...args, '--out', outDir]);
    runs.push({ command, wallSeconds, tasksPerSecond: await trainingTasksPerSecond(outDir), weights: await exportedWeights(outDir) });
  }
  return runs;
}

async function main(): Promise<void> {
  const lines = [
    `End-to-end tasks/s of one spec run by \`metatrain train\` and by \`metatrain local\` with 1 and 2 workers (\`pnpm bench end-to-end\`); one run each, on ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), wasm backend, a private redis-server, directory storage.`,
    '',
  ];
  for (const setting of SETTINGS) {
    const dir = await mkdtemp(join(tmpdir(), 'metatrain-bench-e2e-'));
    try {
      const runs = await runAll(setting, dir);
      const base = runs[0] as Run;
      const rounds = /iterations: (\d+)/.exec(setting.spec)?.[1];
      lines.push(`**${setting.label}**, ${rounds} rounds:`, '');
      lines.push('| command | wall time (s) | tasks/s (training rounds) | ratio to train | export = train\'s |', '|---|---:|---:|---:|---|');
      for (const run of runs) {
        const same = run.weights.equals(base.weights) ? 'same bytes' : 'DIFFERENT';
        lines.push(`| \`${run.command}\` | ${run.wallSeconds.toFixed(1)} | ${run.tasksPerSecond.toFixed(0)} | ${(run.tasksPerSecond / base.tasksPerSecond).toFixed(2)}× | ${same} |`);
      }
      lines.push('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const table = lines.join('\n');
  await writeFile(OUT, table);
  process.stdout.write(`${table}\n`);
}

await main();
