import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliFailure, EXIT_USAGE, UsageError } from '../cli-errors';
import { placeRun } from './place-run';

let cwd: string;
const previous = process.cwd();
let said: string[];
const log = (line: string) => void said.push(line);

/** Leaves a run of spec `name` in `dir` (relative to the test's working directory), last written at `time` (s). */
async function leaveRun(dir: string, name: string, time: number): Promise<void> {
  await mkdir(join(dir, 'checkpoints', '00000002'), { recursive: true });
  for (const file of ['spec.json', 'LATEST', 'metrics.jsonl']) {
    await writeFile(join(dir, file), file === 'spec.json' ? JSON.stringify({ name }) : '2\n');
    await utimes(join(dir, file), time, time);
  }
}

// placeRun works relative to the working directory, as the CLI does (the forks pool allows chdir).
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'metatrain-place-'));
  process.chdir(cwd);
  said = [];
});
afterEach(async () => {
  process.chdir(previous);
  await rm(cwd, { recursive: true, force: true });
});

describe('placeRun without --out', () => {
  it('takes runs/<name>, then the next free runs/<name>-N, saying so', async () => {
    expect(await placeRun({ name: 'sine', log })).toEqual({ dir: 'runs/sine', existing: 'refuse' });
    expect(said).toEqual([]);
    await leaveRun('runs/sine', 'sine', 1000);
    await leaveRun('runs/sine-2', 'sine', 2000);
    await mkdir('runs/sine-3'); // empty: free
    expect(await placeRun({ name: 'sine', log })).toEqual({ dir: 'runs/sine-3', existing: 'refuse' });
    expect(said).toEqual(['runs/sine holds an earlier run; this one goes to runs/sine-3']);
  });

  it('counts a `local` run (export and metrics, no checkpoints at the top) as a run', async () => {
    await mkdir('runs/sine/.coordinator', { recursive: true });
    await mkdir('runs/sine/export');
    expect((await placeRun({ name: 'sine', log })).dir).toBe('runs/sine-2');
  });

  it('--resume continues the run that wrote last, of this spec only', async () => {
    await leaveRun('runs/sine', 'sine', 3000);
    await leaveRun('runs/sine-2', 'sine', 2000);
    await leaveRun('runs/sine-3', 'sine-3', 9000); // a spec named sine-3, not a third run of sine
    await leaveRun('runs/sine-4', 'sine', 1000);
    expect(await placeRun({ name: 'sine', resume: true, log })).toEqual({ dir: 'runs/sine', existing: 'resume' });
    expect(said).toEqual(["continuing runs/sine, the newest run of 'sine'"]);
  });

  it('--resume with no earlier run starts one in runs/<name>', async () => {
    expect(await placeRun({ name: 'sine', resume: true, log })).toEqual({ dir: 'runs/sine', existing: 'resume' });
    expect(said).toEqual(["no earlier run of 'sine' in runs/ to resume; starting one in runs/sine"]);
  });
});

describe('placeRun with --out', () => {
  it('refuses a directory that holds a run, unless --resume', async () => {
    await leaveRun('mine', 'sine', 1000);
    const refusal = placeRun({ name: 'sine', out: 'mine', resume: false, log });
    await expect(refusal).rejects.toThrow(new CliFailure('mine already holds a run; pass --resume to continue it, --force to replace it, or choose another --out', EXIT_USAGE));
    // A command without --resume (local) does not suggest it.
    await expect(placeRun({ name: 'sine', out: 'mine', log })).rejects.toThrow('mine already holds a run; pass --force to replace it, or choose another --out');
    expect(await placeRun({ name: 'sine', out: 'mine', resume: true, log })).toEqual({ dir: 'mine', existing: 'resume' });
    expect(await placeRun({ name: 'sine', out: 'elsewhere', resume: false, log })).toEqual({ dir: 'elsewhere', existing: 'refuse' });
  });

  it('--force deletes the run in it and nothing else', async () => {
    await leaveRun('mine', 'sine', 1000);
    await mkdir('mine/export');
    await writeFile('mine/learning-curves.svg', '<svg/>');
    await writeFile('mine/notes.txt', 'keep me');
    await mkdir('mine/data');
    expect(await placeRun({ name: 'sine', out: 'mine', force: true, log })).toEqual({ dir: 'mine', existing: 'refuse' });
    expect((await readdir('mine')).sort()).toEqual(['data', 'notes.txt']);
    expect(said).toEqual(['--force: deleted the earlier run in mine']);
  });

  it('refuses --resume with --force', async () => {
    await expect(placeRun({ name: 'sine', resume: true, force: true, log })).rejects.toBeInstanceOf(UsageError);
  });
});
