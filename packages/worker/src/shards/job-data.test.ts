import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex, type TasksSpec } from '@metatrain/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchJobData, type JobDataSources } from './job-data';

const table = new TextEncoder().encode('city,price\nA,1\n');
const hash = sha256Hex(table);
const spec = (tasks: string) => `name: t\nalgorithm: maml\nmodel: { kind: mlp, hidden: [4] }\ntasks: ${tasks}\nouter: { lr: 0.001, metaBatchSize: 2, iterations: 1 }\n`;
const signal = new AbortController().signal;

let cacheDir: string;
let fetched: string[];
let asked: TasksSpec[];
let sources: JobDataSources;

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'metatrain-job-data-'));
  fetched = [];
  asked = [];
  sources = {
    cacheDir,
    datasets: (tasks) => {
      asked.push(tasks);
      return Promise.resolve(new Map([['dataset:x', '/data/x.zip']]));
    },
    fetchStored: (sha256) => {
      fetched.push(sha256);
      return sha256 === hash ? Promise.resolve(table) : Promise.reject(new Error(`no data ${sha256}`));
    },
  };
});

afterEach(() => rm(cacheDir, { recursive: true, force: true }));

describe('fetchJobData', () => {
  it('copies the files stored with the job into the cache once, beside the datasets the resolver finds', async () => {
    const text = spec(`{ family: csv, path: "sha256:${hash}", taskColumn: city, target: price, shots: 1 }`);
    const files = await fetchJobData(text, sources, signal);
    expect([...files.keys()]).toEqual(['dataset:x', `sha256:${hash}`]);
    expect(await readFile(files.get(`sha256:${hash}`) as string)).toEqual(Buffer.from(table));
    expect(await fetchJobData(text, sources, signal)).toEqual(files);
    expect(fetched).toEqual([hash]);
    expect(asked).toHaveLength(2);
  });

  it('needs nothing for paths on this machine, and nothing for a spec that does not parse', async () => {
    expect(await fetchJobData(spec('{ family: csv, path: t.csv, taskColumn: city, target: price, shots: 1 }'), sources, signal)).toEqual(new Map([['dataset:x', '/data/x.zip']]));
    expect(await fetchJobData('not: [a spec', sources, signal)).toEqual(new Map());
    expect(fetched).toEqual([]);
  });

  it('fails when the coordinator has lost a file, so the shard is retried', async () => {
    const lost = 'f'.repeat(64);
    await expect(fetchJobData(spec(`{ family: csv, path: "sha256:${lost}", taskColumn: city, target: price, shots: 1 }`), sources, signal)).rejects.toThrow(`no data ${lost}`);
  });
});
