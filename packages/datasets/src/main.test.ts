import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OMNIGLOT_ZIPS } from '@metatrain/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREFETCH_ENV } from './prefetch';
import { bytesOf, type DatasetServer, startDatasetServer } from './testing/dataset-server';

// main.ts as the images run it (`node --import tsx …/main.ts fetch`), a real process against a
// local mirror. omniglot-evaluation has no sha256 (never seen here): any sound zip passes, so
// the mirror serves small2's bytes for it.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const EVALUATION = '/omniglot-evaluation/images_evaluation.zip';
let scratch: string;
let server: DatasetServer;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'metatrain-datasets-main-'));
  server = await startDatasetServer({ [EVALUATION]: { bytes: bytesOf(OMNIGLOT_ZIPS.small2) } });
});
afterAll(async () => {
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function runMain(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { PATH: process.env.PATH, METATRAIN_CACHE_DIR: join(scratch, 'cache'), METATRAIN_DATASET_MIRROR: server.url, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('main.ts fetch', () => {
  it(`fetches the datasets ${PREFETCH_ENV} names when given none, and prints their paths`, async () => {
    const run = await runMain(['fetch'], { [PREFETCH_ENV]: ' omniglot-evaluation  omniglot-small1 omniglot-evaluation ' });
    expect(run.code, run.stderr).toBe(0);
    const cached = join(scratch, 'cache', 'datasets', 'omniglot-evaluation', 'images_evaluation.zip');
    expect(run.stdout).toBe(`${cached}\n${OMNIGLOT_ZIPS.small1}\n`);
    expect(Buffer.compare(await readFile(cached), bytesOf(OMNIGLOT_ZIPS.small2))).toBe(0);
    expect(run.stderr).toMatch(/omniglot-evaluation: images_evaluation\.zip: downloaded into the cache, zip: \d+ entries, CRC-32s checked\n/);
    expect(run.stderr).toContain('omniglot-small1: images_background_small1.zip: shipped copy, sha256 checked\n');
    expect(server.requests).toEqual([EVALUATION]);
  });

  it('refuses a misspelt name before any download (exit 1), and no names at all (exit 2)', async () => {
    const requests = server.requests.length;
    const misspelt = await runMain(['fetch', 'omniglot-evaluation', 'omniglot-full'], { METATRAIN_CACHE_DIR: join(scratch, 'other-cache') });
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toMatch(/^error: dataset omniglot-full: not in the catalog; known: omniglot-small1, /);
    expect(server.requests).toHaveLength(requests);
    const none = await runMain(['fetch'], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`usage: main.ts fetch [<name>...] (no names: the ones ${PREFETCH_ENV} lists, space-separated)`);
  });
});
