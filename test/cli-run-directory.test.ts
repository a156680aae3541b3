import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from './support/run-cli';

// Where `train` puts a run when nothing says where: the README's main command, run twice in a
// row from a fresh working directory, must succeed both times and keep both runs.

const SPEC = `name: twice
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
outer: { lr: 0.001, metaBatchSize: 2, iterations: 3 }
checkpoint: { everyRounds: 2, keep: 2 }
seed: 3
`;

/** What a finished run directory holds at its top, and nothing else. */
const FINISHED_RUN = ['LATEST', 'checkpoints', 'export', 'learning-curves.svg', 'metrics.jsonl', 'spec.json'];

let cwd: string;
const train = (...args: string[]): Promise<CliResult> => runCli(['train', 'twice.yaml', ...args], {}, cwd);
const at = (...parts: string[]) => join(cwd, ...parts);
const lines = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n');

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'metatrain-run-dir-'));
  await writeFile(at('twice.yaml'), SPEC);
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

describe('train without --out, twice in a row', () => {
  it('succeeds both times: the second run goes next to the first, which it leaves alone', async () => {
    const first = await train();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`export:      ${join('runs', 'twice', 'export')}\n`);
    const firstWeights = await readFile(at('runs', 'twice', 'export', 'weights.bin'));

    const second = await train();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('runs/twice holds an earlier run; this one goes to runs/twice-2\n');
    expect(second.stdout).toContain(`export:      ${join('runs', 'twice-2', 'export')}\n`);
    expect((await readdir(at('runs'))).sort()).toEqual(['twice', 'twice-2']);
    // The flat layout: the run directory is the job's root.
    for (const run of ['twice', 'twice-2']) {
      expect((await readdir(at('runs', run))).sort(), run).toEqual(FINISHED_RUN);
      expect(await readdir(at('runs', run, 'checkpoints')), run).toEqual(['00000002', '00000003']);
      expect((await readdir(at('runs', run, 'export'))).sort(), run).toEqual(['meta.json', 'model.json', 'weights.bin']);
    }
    // Same spec, same bits; and the first run's export was not rewritten.
    expect((await readFile(at('runs', 'twice-2', 'export', 'weights.bin'))).equals(firstWeights)).toBe(true);
    expect((await readFile(at('runs', 'twice', 'export', 'weights.bin'))).equals(firstWeights)).toBe(true);
  });

  it('eval <runDir> finds the run directory\'s export', async () => {
    const result = await runCli(['eval', join('runs', 'twice'), '--tasks', '8'], {}, cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^twice \(maml, sinusoid\): 8 held-out tasks/);
  });
});

describe('train --out, --force and --resume', () => {
  it('refuses an --out that holds a run (exit 2), naming --resume and --force', async () => {
    const before = await stat(at('runs', 'twice', 'metrics.jsonl'));
    const result = await train('--out', join('runs', 'twice'));
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: runs/twice already holds a run; pass --resume to continue it, --force to replace it, or choose another --out\n');
    expect((await stat(at('runs', 'twice', 'metrics.jsonl'))).mtimeMs).toBe(before.mtimeMs);
  });

  it('--force deletes that run and starts afresh, keeping what else is in the directory', async () => {
    await writeFile(at('runs', 'twice', 'notes.txt'), 'mine');
    await writeFile(at('runs', 'twice', 'metrics.jsonl'), '{"round": 99}\n');
    const result = await train('--out', join('runs', 'twice'), '--force');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('--force: deleted the earlier run in runs/twice\n');
    expect(await readFile(at('runs', 'twice', 'notes.txt'), 'utf8')).toBe('mine');
    expect((await lines(at('runs', 'twice', 'metrics.jsonl'))).map((l) => (JSON.parse(l) as { round: number }).round)).toEqual([0, 1, 2]);
  });

  it('refuses --resume with --force', async () => {
    const result = await train('--resume', '--force');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: --resume and --force do not go together: --resume continues a run, --force deletes it (see 'metatrain train --help')\n");
  });

  it('--resume without --out continues the newest run, from its newest complete checkpoint', async () => {
    // Cut runs/twice-2 back to a run stopped after round 2, just now: the newest run is the one
    // that wrote last, though runs/twice was started (and forced) after it.
    await rm(at('runs', 'twice-2', 'checkpoints', '00000003'), { recursive: true });
    await rm(at('runs', 'twice-2', 'export'), { recursive: true });
    const kept = (await lines(at('runs', 'twice-2', 'metrics.jsonl'))).slice(0, 2);
    await writeFile(at('runs', 'twice-2', 'metrics.jsonl'), `${kept.join('\n')}\n`);
    const untouched = await stat(at('runs', 'twice', 'metrics.jsonl'));

    const result = await train('--resume');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("continuing runs/twice-2, the newest run of 'twice'\n");
    expect(result.stderr).toContain("resuming job 'twice' from checkpoint round 2\n");
    expect((await readdir(at('runs', 'twice-2'))).sort()).toEqual(FINISHED_RUN);
    expect((await readFile(at('runs', 'twice-2', 'export', 'weights.bin'))).equals(await readFile(at('runs', 'twice', 'export', 'weights.bin')))).toBe(true);
    expect((await lines(at('runs', 'twice-2', 'metrics.jsonl'))).map((l) => (JSON.parse(l) as { round: number }).round)).toEqual([0, 1, 2]);
    expect((await stat(at('runs', 'twice', 'metrics.jsonl'))).mtimeMs).toBe(untouched.mtimeMs);
    expect((await readdir(at('runs'))).sort()).toEqual(['twice', 'twice-2']);
  });
});
