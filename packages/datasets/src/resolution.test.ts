import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpecText } from '@metatrain/core';
import { OMNIGLOT_ZIPS, omniglotDir } from '@metatrain/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDatasetOptions, type DatasetOptions } from './dataset-options';
import { fetchDataset, resolveDatasets } from './fetch-dataset';
import { bytesOf, type DatasetServer, startDatasetServer } from './testing/dataset-server';
import { locateDataset, verifyDataset } from './verify-dataset';

// Where a dataset is taken from: the data dir, then the shipped copy, then the cache, then a
// download; a copy that fails its check is passed over.

const FILE = 'images_background_small1.zip';
let scratch: string;
let server: DatasetServer;
let places: { dataDir: string; shippedDir: string; cacheDir: string };

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'metatrain-resolution-'));
  server = await startDatasetServer({ [`/omniglot-small1/${FILE}`]: { bytes: bytesOf(OMNIGLOT_ZIPS.small1) } });
  places = { dataDir: join(scratch, 'data'), shippedDir: join(scratch, 'repo-datasets'), cacheDir: join(scratch, 'cache') };
});
afterAll(async () => {
  await server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const pathIn = {
  dataDir: () => join(places.dataDir, 'omniglot-small1', FILE),
  shipped: () => join(places.shippedDir, 'omniglot', FILE),
  cache: () => join(places.cacheDir, 'datasets', 'omniglot-small1', FILE),
};
async function put(path: string, bytes?: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  if (bytes === undefined) await copyFile(OMNIGLOT_ZIPS.small1, path);
  else await writeFile(path, bytes);
}

describe('resolving a dataset', () => {
  it('takes the data dir over the shipped copy over the cache over a download', async () => {
    const logs: string[] = [];
    const options: DatasetOptions = { ...places, mirror: server.url, log: (line) => logs.push(line) };
    const where = async () => (await fetchDataset('omniglot-small1', options))[0];

    expect(await where()).toMatchObject({ place: 'cache', downloaded: true, path: pathIn.cache() });
    expect(server.requests).toHaveLength(1);
    expect(logs).toEqual([`dataset omniglot-small1: downloading ${server.url}/omniglot-small1/${FILE} to ${pathIn.cache()}`]);
    expect(await where()).toMatchObject({ place: 'cache', downloaded: false, path: pathIn.cache() });

    await put(pathIn.shipped());
    expect(await where()).toMatchObject({ place: 'shipped', path: pathIn.shipped(), check: 'sha256' });

    // A copy that fails its check is passed over, saying so.
    await put(pathIn.dataDir(), 'not the zip');
    expect(await where()).toMatchObject({ place: 'shipped' });
    expect(logs.at(-1)).toBe(`dataset omniglot-small1: the copy at ${pathIn.dataDir()} (data dir) fails its check (11 bytes, expected 1319022); not used`);

    await put(pathIn.dataDir());
    expect(await where()).toMatchObject({ place: 'data dir', path: pathIn.dataDir() });
    expect(server.requests).toHaveLength(1); // downloaded once, at the start
  });

  it("finds the repository's shipped copies by default", async () => {
    expect(compileDatasetOptions().shippedDir).toBe(join(omniglotDir, '..'));
    const [file] = await fetchDataset('omniglot-small2', { cacheDir: join(scratch, 'empty-cache') });
    expect(file).toMatchObject({ place: 'shipped', path: OMNIGLOT_ZIPS.small2, downloaded: false });
  });

  it('gives a task family the paths of the datasets a spec names, keyed dataset:<name>', async () => {
    const tasks = (yaml: string) => parseSpecText(`name: t\nalgorithm: protonet\nmodel: { kind: conv4 }\ntasks: ${yaml}\nouter: { lr: 0.001, metaBatchSize: 2, iterations: 1 }\n`).tasks;
    const files = await resolveDatasets(tasks('{ family: omniglot, dataset: omniglot-small1, testDataset: omniglot-small2, shots: 1 }'), { cacheDir: join(scratch, 'empty-cache') });
    expect(files).toEqual(new Map([['dataset:omniglot-small1', OMNIGLOT_ZIPS.small1], ['dataset:omniglot-small2', OMNIGLOT_ZIPS.small2]]));
    // No dataset named: nothing looked at, even with a mirror nobody serves.
    expect(await resolveDatasets(tasks('{ family: omniglot, path: a.zip, shots: 1 }'), { mirror: 'http://127.0.0.1:1' })).toEqual(new Map());
  });

  it('verifies every copy present, and locates the one that would be used', async () => {
    await put(pathIn.dataDir(), 'corrupted');
    const report = await verifyDataset('omniglot-small1', places);
    expect(report.missing).toEqual([]);
    expect(report.copies.map((c) => [c.place, c.state, c.detail])).toEqual([
      ['data dir', 'failed', '9 bytes, expected 1319022'],
      ['shipped', 'ok', 'sha256'],
      ['cache', 'ok', 'sha256'],
    ]);
    expect(await locateDataset('omniglot-small1', places)).toEqual([{ file: FILE, place: 'data dir', path: pathIn.dataDir(), bytes: 9 }]);
    expect(await verifyDataset('omniglot-evaluation', places)).toEqual({ dataset: 'omniglot-evaluation', copies: [], missing: ['images_evaluation.zip'] });
    expect(await locateDataset('omniglot-evaluation', places)).toEqual([{ file: 'images_evaluation.zip', place: undefined }]);
  });

  it('refuses a name the catalog lacks, listing the known ones', async () => {
    await expect(fetchDataset('imagenet', places)).rejects.toThrow('dataset imagenet: not in the catalog; known: omniglot-small1, omniglot-small2, omniglot-background, omniglot-evaluation');
  });
});
