import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpc } from '@metatrain/contract';
import type { TasksSpec } from '@metatrain/core';
import { datasetResolver, type DatasetResolver } from '@metatrain/datasets';
import { unusedPort } from '@metatrain/datasets/testing';
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

let scratch: string;
let offline: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'metatrain-manager-datasets-'));
  offline = `http://127.0.0.1:${await unusedPort()}`;
});
afterEach(() => closeCoordinators());
afterAll(() => rm(scratch, { recursive: true, force: true }));

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
