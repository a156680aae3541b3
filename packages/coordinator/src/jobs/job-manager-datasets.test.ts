import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpc } from '@metatrain/contract';
import { sha256Hex, type TasksSpec } from '@metatrain/core';
import { datasetResolver, type DatasetResolver } from '@metatrain/datasets';
import { type DatasetServer, startDatasetServer, unusedPort } from '@metatrain/datasets/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FailedPreconditionError, toStatusError } from '../grpc/grpc-errors';
import { closeCoordinators, coordinator, RecordingRegistry, said } from './testing/test-coordinator';

// A spec that names a catalog dataset: the coordinator resolves it on its own machine before it
// admits the job and before it starts it; the registry keeps the spec's words, not the path.

const SPEC = `name: letters
algorithm: protonet
model: { kind: conv4, channels: 4 }
tasks: { family: omniglot, dataset: omniglot-small1, ways: 3, shots: 1, queryShots: 2, imageSize: 16 }
outer: { lr: 0.001, metaBatchSize: 2, iterations: 2 }
`;

/** A table of 4 cities × 6 homes, served over HTTP to the coordinator. */
const TABLE = new TextEncoder().encode(`city,sqm,price\n${['A', 'B', 'C', 'D'].flatMap((city, c) => [1, 2, 3, 4, 5, 6].map((i) => `${city},${40 + i},${100 * c + i}`)).join('\n')}\n`);
const urlSpec = (url: string) => `name: prices
algorithm: maml
model: { kind: mlp, hidden: [4] }
tasks: { family: csv, path: "${url}#sha256=${sha256Hex(TABLE)}", taskColumn: city, target: price, shots: 2, queryShots: 2, testFraction: 0.25 }
outer: { lr: 0.001, metaBatchSize: 2, iterations: 2 }
`;

let scratch: string;
let offline: string;
let server: DatasetServer;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'metatrain-manager-datasets-'));
  offline = `http://127.0.0.1:${await unusedPort()}`;
  server = await startDatasetServer({ '/prices.csv': { bytes: TABLE }, '/gone.csv': { status: 404 } });
});
afterEach(() => closeCoordinators());
afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** The real resolver, with the datasets each call asked for recorded. */
function recorded(resolve: DatasetResolver): { datasets: DatasetResolver; asked: string[] } {
  const asked: string[] = [];
  const datasets: DatasetResolver = (tasks: TasksSpec, signal) => {
    if (tasks.family === 'omniglot' && tasks.dataset) asked.push(tasks.dataset);
    return resolve(tasks, signal);
  };
  return { datasets, asked };
}

/** No shipped copy, an empty cache, and a mirror nobody answers on: the dataset cannot be had. */
const unreachable = () => datasetResolver({ shippedDir: null, cacheDir: join(scratch, 'empty-cache'), mirror: offline });

describe('JobManager and catalog datasets', () => {
  it('admits and starts a job whose dataset it finds here, keeping the spec as written', async () => {
    const { datasets, asked } = recorded(datasetResolver({ cacheDir: join(scratch, 'cache') }));
    const c = coordinator({ datasets });
    const record = await c.manager.submit(SPEC);
    expect(record).toMatchObject({ name: 'letters', state: 'RUNNING', spec: SPEC });
    expect(asked).toEqual(['omniglot-small1', 'omniglot-small1']); // at SubmitJob, then at start
  });

  it('refuses a job whose dataset it cannot get with FAILED_PRECONDITION saying what to do, registering nothing', async () => {
    const c = coordinator({ datasets: unreachable() });
    const refusal = await c.manager.submit(SPEC).then(() => undefined, (err: unknown) => err);
    expect(refusal).toBeInstanceOf(FailedPreconditionError);
    expect(toStatusError(refusal)).toEqual({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringMatching(
        new RegExp(`^the coordinator cannot get the spec's data: dataset omniglot-small1: could not reach 127\\.0\\.0\\.1:\\d+ \\(connect ECONNREFUSED [^)]*\\); download ${offline}/omniglot-small1/images_background_small1\\.zip yourself and put it at .*, or set METATRAIN_DATA_DIR$`),
      ),
    });
    expect(await c.manager.list()).toEqual([]);
  });

  it('fails a job alone when its dataset cannot be had where it (re)starts', async () => {
    const registry = new RecordingRegistry();
    const lost = await registry.createJob({ name: 'letters', spec: SPEC, totalRounds: 2 });
    const c = coordinator({ registry, datasets: unreachable() });
    await c.manager.resumeAll();
    const record = await c.manager.get(lost.id);
    expect(record.state).toBe('FAILED');
    expect(record.error).toMatch(/^the coordinator cannot get the spec's data: dataset omniglot-small1: could not reach /);
    expect(said(c, lost.id)).toEqual([`state FAILED: ${record.error}`]);
    expect(c.log).toEqual([`job ${lost.id}: cannot start: ${record.error}`]);
  });
});

describe('JobManager and pinned URLs', () => {
  it('downloads the file a URL names into its cache before it admits the job, keeping the spec as written', async () => {
    const cacheDir = join(scratch, 'url-cache');
    const c = coordinator({ datasets: datasetResolver({ cacheDir }) });
    const text = urlSpec(`${server.url}/prices.csv`);
    const record = await c.manager.submit(text);
    expect(record).toMatchObject({ name: 'prices', state: 'RUNNING', spec: text });
    expect(await readFile(join(cacheDir, 'urls', sha256Hex(TABLE)))).toEqual(Buffer.from(TABLE));
    expect(server.requests.filter((path) => path === '/prices.csv')).toHaveLength(1); // at SubmitJob; the start found the copy
  });

  it('refuses a job whose URL it cannot download with FAILED_PRECONDITION naming the field, registering nothing', async () => {
    const c = coordinator({ datasets: datasetResolver({ cacheDir: join(scratch, 'url-cache-2') }) });
    const refusal = await c.manager.submit(urlSpec(`${server.url}/gone.csv`)).then(() => undefined, (err: unknown) => err);
    expect(refusal).toBeInstanceOf(FailedPreconditionError);
    expect(toStatusError(refusal)).toEqual({
      code: grpc.status.FAILED_PRECONDITION,
      details: `the coordinator cannot get the spec's data: tasks.path: ${server.url}/gone.csv answered 404 Not Found; try again, or download ${server.url}/gone.csv yourself and put it at ${join(scratch, 'url-cache-2', 'urls', sha256Hex(TABLE))}`,
    });
    expect(await c.manager.list()).toEqual([]);
  });
});
