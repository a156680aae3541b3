import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliFailure } from '../cli-errors';
import { readExamplesFile } from './examples-file';

const support = { targetsOptional: false };

describe('readExamplesFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'metatrain-examples-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('picks the format by extension, else by content', async () => {
    await writeFile(join(dir, 'a.csv'), 'x,y\n1,2\n');
    await writeFile(join(dir, 'b.txt'), ' {"inputs": [1], "targets": [2]}');
    await writeFile(join(dir, 'c.data'), 'x,y\n3,4\n');
    expect((await readExamplesFile(join(dir, 'a.csv'), support)).targets).toEqual([2]);
    expect((await readExamplesFile(join(dir, 'b.txt'), support)).targets).toEqual([2]);
    expect((await readExamplesFile(join(dir, 'c.data'), support)).targets).toEqual([4]);
  });

  it('says when the file is missing', async () => {
    const err = await readExamplesFile(join(dir, 'none.json'), support).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliFailure);
    expect((err as CliFailure).message).toBe(`${join(dir, 'none.json')}: no such file`);
    expect((err as CliFailure).exitCode).toBe(2);
  });
});
