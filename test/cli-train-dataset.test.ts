import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unusedPort } from '@metatrain/datasets/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli';

// `metatrain train` end to end on a spec that names its data by catalog name: the shipped
// copy is found (nothing downloaded, an empty cache of the test's own), the run exports, and
// the stored spec and the export's meta.json keep the name, not this machine's path; `eval`
// on the export finds the dataset the same way.

const SPEC = `name: letters
algorithm: protonet
model: { kind: conv4, channels: 4 }
tasks: { family: omniglot, dataset: omniglot-small1, ways: 3, shots: 1, queryShots: 2, imageSize: 16 }
outer: { lr: 0.002, metaBatchSize: 2, iterations: 2 }
checkpoint: { everyRounds: 1, keep: 1 }
seed: 4
`;

let dir: string;
let env: NodeJS.ProcessEnv;
let offline: string;
beforeAll(async () => {
  offline = `127.0.0.1:${await unusedPort()}`;
  dir = await mkdtemp(join(tmpdir(), 'metatrain-train-dataset-'));
  await writeFile(join(dir, 'letters.yaml'), SPEC);
  // A mirror nobody serves: a download would fail the run, so the test shows none is needed.
  env = { METATRAIN_CACHE_DIR: join(dir, 'cache'), METATRAIN_DATASET_MIRROR: `http://${offline}`, METATRAIN_DATA_DIR: '' };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('metatrain train with tasks.dataset', () => {
  it('trains on the shipped omniglot-small1, and records the dataset by name', async () => {
    const out = join(dir, 'run');
    const train = await runCli(['train', join(dir, 'letters.yaml'), '--out', out], env);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toContain('held-out tasks');
    expect(train.stderr).not.toContain('downloading');
    expect(train.stderr).toContain('backend:');

    const metrics = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics.map((l) => (JSON.parse(l) as { round: number }).round)).toEqual([0, 1]);
    const stored = JSON.parse(await readFile(join(out, 'spec.json'), 'utf8')) as { tasks: Record<string, unknown> };
    expect(stored.tasks).toMatchObject({ family: 'omniglot', dataset: 'omniglot-small1' });
    expect(stored.tasks).not.toHaveProperty('path');
    const metaText = await readFile(join(out, 'export', 'meta.json'), 'utf8');
    const meta = JSON.parse(metaText) as { task: { spec: Record<string, unknown>; source: Record<string, unknown> } };
    expect(meta.task.spec).toMatchObject({ dataset: 'omniglot-small1' });
    expect(meta.task.spec).not.toHaveProperty('path');
    expect(meta.task.source).toMatchObject({ dataset: 'omniglot-small1', trainAlphabets: ['Balinese', 'Early_Aramaic', 'Greek', 'Korean'], testAlphabets: ['Latin'] });
    expect(metaText).not.toContain('images_background_small1.zip');

    const evaluated = await runCli(['eval', out, '--tasks', '5', '--json'], env);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ tasks: 5 });
  });

  it('stops before any work, in one line, when the dataset cannot be had', async () => {
    const spec = SPEC.replace('omniglot-small1', 'omniglot-background');
    await writeFile(join(dir, 'background.yaml'), spec);
    const train = await runCli(['train', join(dir, 'background.yaml'), '--out', join(dir, 'never')], env);
    expect(train.code).toBe(1);
    const cached = join(dir, 'cache', 'datasets', 'omniglot-background', 'images_background.zip');
    expect(train.stderr.split('\n').filter((line) => line.startsWith('error: '))).toEqual([
      `error: dataset omniglot-background: could not reach ${offline} (connect ECONNREFUSED ${offline}); ` +
        `download http://${offline}/omniglot-background/images_background.zip yourself and put it at ${cached}, or set METATRAIN_DATA_DIR`,
    ]);
    expect(train.stderr).not.toContain('backend:'); // refused before TensorFlow.js chose a backend
  });
});
