import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpecText, pinnedUrl, type PinnedUrl } from '@metatrain/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileDatasetOptions, type DatasetOptions } from './dataset-options';
import { DatasetError } from './errors';
import { resolveDatasets } from './fetch-dataset';
import { fetchPinnedUrl } from './fetch-url';
import { type DatasetServer, startDatasetServer, unusedPort } from './testing/dataset-server';

// Data named by an http(s) URL pinned by its sha256, against a real HTTP server on 127.0.0.1:
// downloaded into <cache>/urls/<sha256>, checked, reused without the network.

const TABLE = new TextEncoder().encode(`city,price\n${'Utrecht,1\nLeiden,2\n'.repeat(5000)}`);
const OTHER = TABLE.map((b, i) => (i === 100 ? b ^ 1 : b));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const HASH = sha256(TABLE);

let scratch: string;
let server: DatasetServer;
let cacheDir: string;
let runs = 0;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'metatrain-fetch-url-'));
  server = await startDatasetServer({
    '/t.csv': { bytes: TABLE },
    '/other/t.csv': { bytes: OTHER },
    '/gone/t.csv': { status: 404 },
    '/stalled/t.csv': { stall: TABLE, send: 10_000 },
    '/slow/t.csv': { bytes: TABLE, chunkDelayMs: 50 },
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

const options = (more: DatasetOptions = {}) => compileDatasetOptions({ cacheDir, shippedDir: null, stallTimeoutMs: 2_000, ...more });
const pin = (url: string, hash = HASH): PinnedUrl => pinnedUrl(`${url}#sha256=${hash}`) as PinnedUrl;
const cached = () => join(cacheDir, 'urls', HASH);
const leftovers = () => readdir(join(cacheDir, 'urls')).catch(() => []);

/** The DatasetError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<DatasetError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

describe('fetchPinnedUrl', () => {
  it('downloads the pinned bytes into <cache>/urls/<sha256>, with progress and a log line', async () => {
    const progress: Array<[string, string, number, number | undefined]> = [];
    const logs: string[] = [];
    const path = await fetchPinnedUrl(pin(`${server.url}/t.csv`), 'tasks.path', options({ onProgress: (p) => progress.push([p.dataset, p.file, p.bytes, p.total]), log: (line) => logs.push(line) }));
    expect(path).toBe(cached());
    expect(Buffer.compare(await readFile(path), TABLE)).toBe(0);
    expect(progress.at(-1)).toEqual(['tasks.path', 't.csv', TABLE.byteLength, TABLE.byteLength]);
    expect(logs).toEqual([`tasks.path: downloading ${server.url}/t.csv to ${cached()}`]);
    expect(await leftovers()).toEqual([HASH]);
  });

  it('reuses an intact cached copy without the network, and downloads a damaged one again', async () => {
    const away = await startDatasetServer({ '/t.csv': { bytes: TABLE } });
    const url = `${away.url}/t.csv`;
    await fetchPinnedUrl(pin(url), 'tasks.path', options());
    await away.close();
    expect(await fetchPinnedUrl(pin(url), 'tasks.path', options())).toBe(cached());
    expect(away.requests).toEqual(['/t.csv']);

    await writeFile(cached(), 'damaged');
    const logs: string[] = [];
    const err = await failure(fetchPinnedUrl(pin(url), 'tasks.path', options({ log: (line) => logs.push(line) })));
    expect(logs[0]).toBe(`tasks.path: the copy at ${cached()} fails its check (sha256 ${sha256(new TextEncoder().encode('damaged'))}, expected ${HASH}); downloading it again`);
    expect(err.message).toMatch(/^tasks\.path: could not reach 127\.0\.0\.1:\d+ /);
  });

  it('refuses bytes other than the pinned ones, saying what to do, and keeps nothing', async () => {
    const err = await failure(fetchPinnedUrl(pin(`${server.url}/other/t.csv`), 'tasks.testPath', options()));
    expect(err.message).toBe(
      `tasks.testPath: the download is refused: sha256 ${sha256(OTHER)}, expected ${HASH}; it was deleted; ` +
        `${server.url}/other/t.csv does not serve the bytes the spec pins: if the file changed on purpose, pin its new sha256; else try again (a proxy may have altered it)`,
    );
    expect(await leftovers()).toEqual([]);
  });

  it('names the field, the URL and the HTTP status of a refusal', async () => {
    const err = await failure(fetchPinnedUrl(pin(`${server.url}/gone/t.csv`), 'tasks.path', options()));
    expect(err.message).toBe(`tasks.path: ${server.url}/gone/t.csv answered 404 Not Found; try again, or download ${server.url}/gone/t.csv yourself and put it at ${cached()}`);
  });

  it('gives up on a server that stalls, after the stall timeout', async () => {
    const err = await failure(fetchPinnedUrl(pin(`${server.url}/stalled/t.csv`), 'tasks.path', options({ stallTimeoutMs: 300 })));
    expect(err.message).toMatch(/^tasks\.path: no data for 0\.3 s \(after 10 kB of 95 kB\); try again, or download http:\/\/127\.0\.0\.1:\d+\/stalled\/t\.csv yourself and put it at /);
    expect(await leftovers()).toEqual([]);
  });

  it('says in one line when the host cannot be reached, and what to do', async () => {
    const port = await unusedPort();
    const err = await failure(fetchPinnedUrl(pin(`http://127.0.0.1:${port}/t.csv`), 'tasks.path[1]', options()));
    expect(err.message).toBe(
      `tasks.path[1]: could not reach 127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}); check the network, or download http://127.0.0.1:${port}/t.csv yourself and put it at ${cached()}`,
    );
  });
});

describe('resolveDatasets with pinned URLs', () => {
  const tasks = (yaml: string) => parseSpecText(`name: t\nalgorithm: protonet\nmodel: { kind: conv4 }\ntasks: ${yaml}\nouter: { lr: 0.001, metaBatchSize: 2, iterations: 1 }\n`).tasks;

  it('gives each URL the spec names, keyed by the spec string, downloaded once for every field naming it', async () => {
    const url = `${server.url}/slow/t.csv#sha256=${HASH}`;
    const files = await resolveDatasets(tasks(`{ family: omniglot, path: ["${url}", "local.zip"], testPath: "${url}", shots: 1 }`), { cacheDir, shippedDir: null });
    expect(files).toEqual(new Map([[url, cached()]]));
    expect(server.requests.filter((path) => path === '/slow/t.csv')).toHaveLength(1);
  });
});
