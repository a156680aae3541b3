import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storageKeys } from '@metatrain/core';

// One spec run by `metatrain train` and `metatrain local --workers N` as real processes, for
// the benches that compare them (end-to-end.ts, scaling.ts).

const MAIN = fileURLToPath(import.meta.resolve('@metatrain/cli/main'));

/** One command's run: its wall time, tasks/s over its training rounds and its exported weights. */
export interface CliRun {
  command: string;
  wallSeconds: number;
  tasksPerSecond: number;
  weights: Buffer;
}

/** Runs `metatrain <args>` and resolves with its wall time (s); rejects with the end of its stderr when it fails. */
export function metatrain(args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`metatrain ${args.join(' ')} exited ${code}:\n${stderr}`))));
  });
}

/**
 * Tasks/s over the training rounds of a run directory: the tasks over the summed round times
 * (metrics.jsonl), leaving out the first `skipRounds` rounds.
 */
export async function trainingTasksPerSecond(outDir: string, skipRounds = 0): Promise<number> {
  const lines = (await readFile(join(outDir, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { tasks: number; roundMs: number })
    .slice(skipRounds);
  const tasks = lines.reduce((n, l) => n + l.tasks, 0);
  const ms = lines.reduce((n, l) => n + l.roundMs, 0);
  return (tasks * 1000) / ms;
}

/** weights.bin of a run directory's export (`train` and `local` write the same layout). */
async function exportedWeights(outDir: string): Promise<Buffer> {
  return readFile(join(outDir, storageKeys.runDirectory('e2e').exportFile('weights.bin')));
}

/** The commands compared: `train`, then `local` with 1 and 2 workers. */
export const COMMANDS: ReadonlyArray<[string, (specPath: string) => string[]]> = [
  ['train', (spec) => ['train', spec]],
  ['local --workers 1', (spec) => ['local', spec, '--workers', '1']],
  ['local --workers 2', (spec) => ['local', spec, '--workers', '2']],
];

/**
 * Writes `specText` into `dir` and runs it once by each of {@link COMMANDS}, one after another;
 * tasks/s leave out the first `skipRounds` rounds (a worker builds its compute context, decoding
 * the job's data, in its first shard).
 */
export async function runCommands(label: string, specText: string, dir: string, skipRounds = 0): Promise<CliRun[]> {
  const specPath = join(dir, 'spec.yaml');
  await writeFile(specPath, specText);
  const runs: CliRun[] = [];
  for (const [command, args] of COMMANDS) {
    const outDir = join(dir, command.replace(/\W+/g, '-'));
    process.stderr.write(`${label}: ${command} …\n`);
    const wallSeconds = await metatrain([...args(specPath), '--out', outDir]);
    runs.push({ command, wallSeconds, tasksPerSecond: await trainingTasksPerSecond(outDir, skipRounds), weights: await exportedWeights(outDir) });
  }
  return runs;
}
