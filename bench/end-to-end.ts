import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliRun, runCommands } from './cli-runs';

/**
 * End-to-end tasks/s of the same spec run three ways on this machine: `metatrain train` (one
 * process), and `metatrain local` with 1 and with 2 worker processes (coordinator, workers and
 * a private redis-server, directory storage). Each command runs once as a real process; the
 * table gives the wall time of the whole command, the tasks/s over its training rounds
 * (from metrics.jsonl, so process start-up and the final evaluation are left out) and the
 * ratio to `train`. It also checks that the three exports are the same bytes (docs/ARCHITECTURE.md §9).
 */

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

async function main(): Promise<void> {
  const lines = [
    `End-to-end tasks/s of one spec run by \`metatrain train\` and by \`metatrain local\` with 1 and 2 workers (\`pnpm bench end-to-end\`); one run each, on ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), wasm backend, a private redis-server, directory storage.`,
    '',
  ];
  for (const setting of SETTINGS) {
    const dir = await mkdtemp(join(tmpdir(), 'metatrain-bench-e2e-'));
    try {
      const runs = await runCommands(setting.label, setting.spec, dir);
      const base = runs[0] as CliRun;
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
