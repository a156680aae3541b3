import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OMNIGLOT_ZIPS } from '@metatrain/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileDatasetOptions } from '../dataset-options';
import { DatasetError } from '../errors';
import { fetchDataset } from '../fetch-dataset';
import { bytesOf, type DatasetServer, startDatasetServer, unusedPort } from '../testing/dataset-server';
import { downloadFile } from './download-file';

// The download path against a real HTTP server on 127.0.0.1 (a mirror: <url>/<dataset>/<file>),
// no shipped copy and an empty cache of the test's own.

const SMALL1 = bytesOf(OMNIGLOT_ZIPS.small1);
const SMALL2 = bytesOf(OMNIGLOT_ZIPS.small2);
/** small1 with one byte changed: the right size, the wrong sha256. */
const ALTERED = SMALL1.map((b, i) => (i === 500_000 ? b ^ 1 : b));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const PATH1 = '/omniglot-small1/images_background_small1.zip';
const BACKGROUND = '/omniglot-background/images_background.zip';

let scratch: string;
let server: DatasetServer;
let cacheDir: string;
let runs = 0;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'metatrain-download-'));
  server = await startDatasetServer({
    [PATH1]: { bytes: SMALL1 },
    '/altered/omniglot-small1/images_background_small1.zip': { bytes: ALTERED },
    '/other/omniglot-small1/images_background_small1.zip': { bytes: SMALL2 },
    '/truncated/omniglot-small1/images_background_small1.zip': { truncate: SMALL1, send: 100_000 },
    '/stalled/omniglot-small1/images_background_small1.zip': { stall: SMALL1, send: 10_000 },
    '/gone/omniglot-small1/images_background_small1.zip': { status: 404 },
    // A file never seen here is accepted when it is a sound zip, whatever its checksum.
    [BACKGROUND]: { bytes: SMALL2 },
    [`/broken${BACKGROUND}`]: { bytes: SMALL2.subarray(0, SMALL2.byteLength - 10) },
    '/trickle/omniglot-small1/images_background_small1.zip': { bytes: SMALL1, chunkDelayMs: 100 },
    // Neither answer starts before both requests came: the two downloads overlap.
    '/slow/omniglot-small1/images_background_small1.zip': { bytes: SMALL1, chunkDelayMs: 5, together: 2 },
  });
});
afterAll(async () => {
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});
// Each test starts with an empty cache of its own.
beforeEach(() => {
  cacheDir = join(scratch, `cache-${++runs}`);
});

const options = (mirror: string, more: Record<string, unknown> = {}) => ({ cacheDir, shippedDir: null, mirror, stallTimeoutMs: 2_000, ...more });
const cached = (name: string, file: string) => join(cacheDir, 'datasets', name, file);
const leftovers = async (name: string) => readdir(join(cacheDir, 'datasets', name)).catch(() => []);

/** The DatasetError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<DatasetError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

describe('downloading a dataset', () => {
  it('lands the right bytes in the cache, with progress up to the full size', async () => {
    const progress: number[] = [];
    const [file] = await fetchDataset('omniglot-small1', options(server.url, { onProgress: (p: { bytes: number; total: number }) => progress.push(p.bytes, p.total) }));
    expect(file).toMatchObject({ place: 'cache', downloaded: true, check: 'sha256', path: cached('omniglot-small1', 'images_background_small1.zip') });
    expect(Buffer.compare(await readFile(file?.path ?? ''), SMALL1)).toBe(0);
    expect(progress.slice(-2)).toEqual([SMALL1.byteLength, SMALL1.byteLength]);
    expect(await leftovers('omniglot-small1')).toEqual(['images_background_small1.zip']);
    // Once there, it is used as it is: no second request.
    const asked = server.requests.length;
    expect((await fetchDataset('omniglot-small1', options(server.url)))[0]).toMatchObject({ place: 'cache', downloaded: false });
    expect(server.requests.length).toBe(asked);
  });

  it('sweeps away what a killed download left behind, but not a live one', async () => {
    const dir = join(cacheDir, 'datasets', 'omniglot-small1');
    await mkdir(dir, { recursive: true });
    const dead = join(dir, 'images_background_small1.zip.4242-deadbeef.part');
    const live = join(dir, 'images_background_small1.zip.4343-cafef00d.part');
    await writeFile(dead, 'half a file');
    await writeFile(live, 'a file in progress');
    const longAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(dead, longAgo, longAgo);
    await fetchDataset('omniglot-small1', options(server.url, { deadlineMs: 3600_000 }));
    expect((await leftovers('omniglot-small1')).sort()).toEqual(['images_background_small1.zip', 'images_background_small1.zip.4343-cafef00d.part']);
  });

  it('refuses other bytes than the pinned sha256, saying expected and got, and keeps nothing', async () => {
    const err = await failure(fetchDataset('omniglot-small1', options(`${server.url}/altered`)));
    expect(err.message).toBe(
      `dataset omniglot-small1: the download is refused: sha256 ${sha256(ALTERED)}, expected f38eb80f801274ac2b4dff5b24289016bfaba4a7d5bb50deebf27104ad6cb8a4; ` +
        'it was deleted; try again (a proxy may have altered it); if the file changed upstream, its catalog entry (packages/core/src/datasets/catalog.ts) needs updating',
    );
    expect(await leftovers('omniglot-small1')).toEqual([]);
    // Another size is refused as soon as the server announces it.
    const other = await failure(fetchDataset('omniglot-small1', options(`${server.url}/other`)));
    expect(other.message).toMatch(/^dataset omniglot-small1: http:\/\/127\.0\.0\.1:\d+\/other\/omniglot-small1\/images_background_small1\.zip announces 1580917 bytes, expected 1319022; try again/);
    expect(await leftovers('omniglot-small1')).toEqual([]);
  });

  it('refuses a transfer that ends before its Content-Length, and keeps nothing', async () => {
    const err = await failure(fetchDataset('omniglot-small1', options(`${server.url}/truncated`)));
    expect(err.message).toMatch(/^dataset omniglot-small1: the transfer (broke off after .* of 1\.3 MB|ended after \d+ of 1319022 bytes).*; try again, or download http:\/\/127\.0\.0\.1:\d+\/truncated\/omniglot-small1\/images_background_small1\.zip yourself and put it at /);
    expect(await leftovers('omniglot-small1')).toEqual([]);
  });

  it('gives up on a server that sends headers and then nothing, after the stall timeout', async () => {
    const started = performance.now();
    const err = await failure(fetchDataset('omniglot-small1', options(`${server.url}/stalled`, { stallTimeoutMs: 300 })));
    expect(err.message).toMatch(/^dataset omniglot-small1: no data for 0\.3 s \(after 10 kB of 1\.3 MB\); try again, or download /);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await leftovers('omniglot-small1')).toEqual([]);
  });

  it('says in one line when the host cannot be reached, and what to do', async () => {
    const port = await unusedPort();
    const err = await failure(fetchDataset('omniglot-small1', options(`http://127.0.0.1:${port}`)));
    const target = cached('omniglot-small1', 'images_background_small1.zip');
    expect(err.message).toBe(
      `dataset omniglot-small1: could not reach 127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); ` +
        `download http://127.0.0.1:${port}/omniglot-small1/images_background_small1.zip yourself and put it at ${target}, or set METATRAIN_DATA_DIR`,
    );
    expect(err.message).not.toContain('\n');
    const withDataDir = await failure(fetchDataset('omniglot-small1', options(`http://127.0.0.1:${port}`, { dataDir: join(scratch, 'data') })));
    expect(withDataDir.message).toMatch(new RegExp(`yourself and put it at ${join(scratch, 'data', 'omniglot-small1', 'images_background_small1.zip')}$`));
  });

  it('names the HTTP status of a refusal', async () => {
    const err = await failure(fetchDataset('omniglot-small1', options(`${server.url}/gone`)));
    expect(err.message).toMatch(/^dataset omniglot-small1: http:\/\/127\.0\.0\.1:\d+\/gone\/omniglot-small1\/images_background_small1\.zip answered 404 Not Found; try again/);
  });

  it('checks a file with no sha256 as a zip: a sound one is kept, a cut one refused', async () => {
    const [file] = await fetchDataset('omniglot-background', options(server.url));
    expect(file).toMatchObject({ place: 'cache', downloaded: true, check: expect.stringMatching(/^zip: \d+ entries, CRC-32s$/) });
    cacheDir = join(scratch, `cache-${++runs}`);
    const err = await failure(fetchDataset('omniglot-background', options(`${server.url}/broken`)));
    expect(err.message).toMatch(/^dataset omniglot-background: the download is refused: not a sound zip: no end-of-central-directory record/);
    expect(await leftovers('omniglot-background')).toEqual([]);
  });

  it('gives up after its overall deadline, even while bytes still come', async () => {
    const err = await failure(fetchDataset('omniglot-small1', options(`${server.url}/trickle`, { deadlineMs: 300 })));
    expect(err.message).toMatch(/^dataset omniglot-small1: not done after 0\.3 s \(\d+ kB of 1\.3 MB\); try again, or download /);
    expect(await leftovers('omniglot-small1')).toEqual([]);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = fetchDataset('omniglot-small1', options(`${server.url}/stalled`, { signal: controller.signal, stallTimeoutMs: 60_000 }));
    setTimeout(() => controller.abort(), 100);
    expect((await failure(pending)).message).toMatch(/^dataset omniglot-small1: cancelled; /);
  });

  it('lets two downloads of one file race without corrupting it (each writes its own temporary file)', async () => {
    // downloadFile itself, twice at once into one cache: what two processes on one machine do
    // (fetchDataset would share one download between two calls of a process).
    const file = { name: 'images_background_small1.zip', url: '', sha256: 'f38eb80f801274ac2b4dff5b24289016bfaba4a7d5bb50deebf27104ad6cb8a4', bytes: 1_319_022, integrity: 'sha256' as const };
    const dest = cached('omniglot-small1', file.name);
    const url = `${server.url}/slow${PATH1}`;
    const both = await Promise.all([0, 1].map(() => downloadFile({ dataset: 'omniglot-small1', file, url, dest }, compileDatasetOptions(options(server.url)))));
    expect(both).toEqual(['sha256', 'sha256']);
    expect(server.requests.filter((path) => path.startsWith('/slow/'))).toHaveLength(2);
    expect(Buffer.compare(await readFile(dest), SMALL1)).toBe(0);
    expect(await leftovers('omniglot-small1')).toEqual([file.name]);
  });
});
