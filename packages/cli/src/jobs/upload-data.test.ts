import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTaskFamily, Rng, sha256Hex, validateSpec } from '@metatrain/core';
import { pngFromRgba, writeTree } from '@metatrain/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUploadedData } from './upload-data';

// withUploadedData against an in-memory "coordinator" that keeps what it is sent by sha256.

let dir: string;
const stored = new Map<string, Uint8Array>();
const upload = async (bytes: Uint8Array) => {
  const reference = `sha256:${sha256Hex(bytes)}`;
  stored.set(reference, bytes);
  return reference;
};
const image = (shade: number) => pngFromRgba(4, 4, Array.from({ length: 16 }, () => [shade, 255 - shade, 0, 255]).flat(), 6);
const imageSpec = (path: string) =>
  validateSpec({ name: 'u', algorithm: 'protonet', model: { kind: 'conv4', channels: 4 }, tasks: { family: 'image-folder', path, ways: 2, shots: 1, queryShots: 1, imageSize: 16, channels: 3, split: { testFraction: 0.5 } }, outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-upload-'));
  const tree: Record<string, Uint8Array> = { '.DS_Store': new Uint8Array([1]) };
  for (const [c, name] of ['a', 'b', 'c', 'd'].entries()) for (let i = 0; i < 2; i++) tree[`photos/${name}/${i}.png`] = image(40 * c + 10 * i);
  writeTree(dir, tree);
  await writeFile(join(dir, 'table.csv'), 'g,x,y\nA,1,2\nA,2,3\nB,1,1\nB,2,2\n');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('withUploadedData', () => {
  it('uploads a file as it is and names it by its sha256', async () => {
    const spec = validateSpec({ name: 'u', algorithm: 'maml', model: { kind: 'mlp', hidden: [4] }, tasks: { family: 'csv', path: 'table.csv', taskColumn: 'g', target: 'y', shots: 1 }, outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 } });
    const lines: string[] = [];
    const uploaded = await withUploadedData(spec, dir, upload, (line) => lines.push(line));
    expect(uploaded.tasks).toMatchObject({ path: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(lines).toEqual([expect.stringMatching(/^uploaded table\.csv \(30 bytes\) as sha256:/)]);
  });

  it('uploads a folder as a zip that gives the same bytes every time and the same tasks as the folder', async () => {
    const spec = imageSpec('photos');
    const first = await withUploadedData(spec, dir, upload, () => undefined);
    await writeFile(join(dir, 'photos', '.DS_Store'), 'changed');
    const second = await withUploadedData(spec, dir, upload, () => undefined);
    const reference = first.tasks.family === 'image-folder' ? first.tasks.path : '';
    expect(second.tasks).toMatchObject({ path: reference });

    const zipPath = join(dir, 'uploaded.zip');
    await writeFile(zipPath, stored.get(reference) as Uint8Array);
    const fromFolder = createTaskFamily(spec.tasks, { baseDir: dir });
    const fromZip = createTaskFamily(first.tasks, { files: new Map([[reference, zipPath]]) });
    for (const split of ['train', 'test'] as const) {
      const a = fromFolder.sample(new Rng([7]), split);
      const b = fromZip.sample(new Rng([7]), split);
      expect(Array.from(b.support.x)).toEqual(Array.from(a.support.x));
      expect(Array.from(b.query.y)).toEqual(Array.from(a.query.y));
    }
  });

  it('leaves a path that is not on this machine to the coordinator, saying so', async () => {
    const lines: string[] = [];
    const spec = imageSpec('/data/photos');
    expect(await withUploadedData(spec, dir, upload, (line) => lines.push(line))).toBe(spec);
    expect(lines).toEqual(['tasks.path: /data/photos is not on this machine; the coordinator will look for it in its data directory']);
  });

  it('uploads no pinned URL: the coordinator and the workers download it, and the spec keeps it', async () => {
    const url = `https://data.example.org/photos.zip#sha256=${'ab'.repeat(32)}`;
    const lines: string[] = [];
    const spec = validateSpec({ ...imageSpec('photos'), tasks: { ...imageSpec('photos').tasks, path: url, testPath: 'photos' } });
    const sent: number[] = [];
    const uploaded = await withUploadedData(spec, dir, (bytes) => (sent.push(bytes.length), upload(bytes)), (line) => lines.push(line));
    expect(uploaded.tasks).toMatchObject({ path: url, testPath: expect.stringMatching(/^sha256:/) });
    expect(sent).toHaveLength(1); // the folder only
    expect(lines[0]).toBe(`tasks.path: ${url} is not uploaded: the coordinator and each worker download it, checked against its sha256`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^uploaded photos \(a zip of its 8 files/)]);
  });
});
