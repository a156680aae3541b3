import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OMNIGLOT_ZIPS } from '@metatrain/core/testing';
import { bytesOf, type DatasetServer, startDatasetServer } from '@metatrain/datasets/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli';

// `metatrain data list|fetch|verify` as real processes, with a cache and a data dir of the
// test's own and a local HTTP server as the mirror (METATRAIN_DATASET_MIRROR) the downloads
// come from. omniglot-evaluation has no sha256 (never seen here): any sound zip passes, so
// the mirror serves small2's bytes for it.

const SMALL2 = bytesOf(OMNIGLOT_ZIPS.small2);
const EVALUATION = '/omniglot-evaluation/images_evaluation.zip';

let scratch: string;
let server: DatasetServer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'metatrain-cli-data-'));
  server = await startDatasetServer({
    [EVALUATION]: { bytes: SMALL2, chunkDelayMs: 20 },
    '/omniglot-background/images_background.zip': { truncate: SMALL2, send: 200_000 },
  });
  env = { METATRAIN_CACHE_DIR: join(scratch, 'cache'), METATRAIN_DATA_DIR: join(scratch, 'data'), METATRAIN_DATASET_MIRROR: server.url };
});
afterAll(async () => {
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The WHERE column of `data list`, by dataset. */
function whereColumn(table: string): Record<string, string> {
  const [header = '', ...rows] = table.trimEnd().split('\n');
  const at = header.indexOf('WHERE');
  return Object.fromEntries(rows.map((row) => [row.split(' ')[0], row.slice(at).trim()]));
}

describe('metatrain data', () => {
  it('lists the catalog with sizes, licence and where each dataset is', async () => {
    const list = await runCli(['data', 'list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^NAME +FAMILY +FILES +SIZE +LICENCE +WHERE\n/);
    expect(list.stdout).toMatch(/\nomniglot-small1 +omniglot +images_background_small1\.zip +1\.3 MB +MIT, Copyright \(c\) 2015 Brenden Lake +shipped\n/);
    expect(whereColumn(list.stdout)).toEqual({ 'omniglot-small1': 'shipped', 'omniglot-small2': 'shipped', 'omniglot-background': 'not fetched', 'omniglot-evaluation': 'not fetched' });
  });

  it('fetches: a download with progress into the cache, a shipped copy as it is; the paths on stdout', async () => {
    const fetched = await runCli(['data', 'fetch', 'omniglot-evaluation', 'omniglot-small1'], env);
    expect(fetched.code, fetched.stderr).toBe(0);
    const cached = join(scratch, 'cache', 'datasets', 'omniglot-evaluation', 'images_evaluation.zip');
    expect(fetched.stdout).toBe(`${cached}\n${OMNIGLOT_ZIPS.small1}\n`);
    expect(Buffer.compare(await readFile(cached), SMALL2)).toBe(0);
    // Not a terminal: plain progress lines, the last at 100 %.
    expect(fetched.stderr).toContain(`dataset omniglot-evaluation: downloading ${server.url}${EVALUATION} to ${cached}`);
    expect(fetched.stderr).toMatch(/omniglot-evaluation images_evaluation\.zip 1\.6 MB\/1\.6 MB 100%/);
    expect(fetched.stderr).toMatch(/omniglot-evaluation: images_evaluation\.zip: downloaded into the cache, zip: \d+ entries, CRC-32s checked\n/);
    expect(fetched.stderr).toContain('omniglot-small1: images_background_small1.zip: shipped copy, sha256 checked\n');
    expect(whereColumn((await runCli(['data', 'list'], env)).stdout)['omniglot-evaluation']).toBe('cache');
  });

  it('fails a broken download in one line (exit 1), and refuses an unknown name (exit 2)', async () => {
    const broken = await runCli(['data', 'fetch', 'omniglot-background'], env);
    expect(broken.code).toBe(1);
    const errors = broken.stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: dataset omniglot-background: the transfer (broke off|ended) after .*; try again, or download http:\/\/127\.0\.0\.1:\d+\/omniglot-background\/images_background\.zip yourself and put it at /);
    expect(await readdir(join(scratch, 'cache', 'datasets', 'omniglot-background'))).toEqual([]);

    const unknown = await runCli(['data', 'fetch', 'omniglot-full'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown dataset "omniglot-full"; known: omniglot-small1, omniglot-small2, omniglot-background, omniglot-evaluation \(see 'metatrain data --help'\)\n$/);
  });

  it('verifies every copy present and exits 1 naming a copy that fails', async () => {
    const ok = await runCli(['data', 'verify'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/\nomniglot-small1 +images_background_small1\.zip +shipped +ok +sha256 /);
    expect(ok.stdout).toMatch(/\nomniglot-background +images_background\.zip +not fetched +-\n/);

    const corrupt = join(scratch, 'data', 'omniglot-small1', 'images_background_small1.zip');
    await mkdir(join(corrupt, '..'), { recursive: true });
    await writeFile(corrupt, 'not the zip');
    const failed = await runCli(['data', 'verify', 'omniglot-small1'], env);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/\nomniglot-small1 +images_background_small1\.zip +data dir +failed +11 bytes, expected 1319022 /);
    expect(failed.stdout).toMatch(/\nomniglot-small1 +images_background_small1\.zip +shipped +ok /);
    expect(failed.stderr).toBe(`error: omniglot-small1: ${corrupt} (data dir) fails its check: 11 bytes, expected 1319022\n`);
    expect((await runCli(['data', 'verify', 'omniglot-small2'], env)).code).toBe(0);
    await rm(join(scratch, 'data'), { recursive: true });
  });

  it('lets two processes fetch the same file at once into one cache, without corrupting it', async () => {
    // Neither answer starts before both processes asked: they download at the same time.
    const slow = await startDatasetServer({ [EVALUATION]: { bytes: SMALL2, chunkDelayMs: 20, together: 2 } });
    try {
      const shared = { ...env, METATRAIN_CACHE_DIR: join(scratch, 'shared-cache'), METATRAIN_DATASET_MIRROR: slow.url };
      const both = await Promise.all([runCli(['data', 'fetch', 'omniglot-evaluation'], shared), runCli(['data', 'fetch', 'omniglot-evaluation'], shared)]);
      for (const run of both) expect(run.code, run.stderr).toBe(0);
      expect(slow.requests).toEqual([EVALUATION, EVALUATION]);
      const dir = join(scratch, 'shared-cache', 'datasets', 'omniglot-evaluation');
      expect(await readdir(dir)).toEqual(['images_evaluation.zip']); // no temporary file left
      expect(Buffer.compare(await readFile(join(dir, 'images_evaluation.zip')), SMALL2)).toBe(0);
    } finally {
      await slow.close();
    }
  });
});
