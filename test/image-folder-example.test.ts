import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapesDataset } from '../scripts/make-shapes-dataset';
import { REPO_ROOT, runCli } from './support/run-cli';

// examples/image-folder-protonet.yaml trains on examples/data/shapes, which its README says
// scripts/make-shapes-dataset.ts made: both claims are checked here.
const SHAPES = join(REPO_ROOT, 'examples', 'data', 'shapes');
const EXAMPLE = join(REPO_ROOT, 'examples', 'image-folder-protonet.yaml');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metatrain-image-folder-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every image file under `root`, as `/`-separated relative paths. */
function imagesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(png|jpg)$/.test(f))
    .map((f) => relative(root, join(root, f)).split('\\').join('/'))
    .sort();
}

/** Pixels as RGBA bytes, whatever the format: PNG bytes depend on the zlib build, pixels do not. */
function pixels(name: string, bytes: Uint8Array): Buffer {
  if (name.endsWith('.png')) return PNG.sync.read(Buffer.from(bytes)).data;
  return Buffer.from(decodeJpeg(bytes, { useTArray: true }).data);
}

describe('the image-folder example', () => {
  it('ships examples/data/shapes as scripts/make-shapes-dataset.ts draws it', () => {
    const drawn = shapesDataset();
    expect(imagesUnder(SHAPES)).toEqual(Object.keys(drawn).sort());
    expect(Object.keys(drawn)).toHaveLength(400);
    for (const [name, bytes] of Object.entries(drawn)) {
      expect(pixels(name, readFileSync(join(SHAPES, name))).equals(pixels(name, bytes)), name).toBe(true);
    }
  });

  it('trains with metatrain train and exports a meta.json that says how images became inputs', async () => {
    // The example as it is, shortened to 3 rounds; its relative path resolved for the copy's folder.
    const text = readFileSync(EXAMPLE, 'utf8');
    expect(text).toContain('path: data/shapes');
    expect(text).toContain('iterations: 100');
    const spec = join(dir, 'spec.yaml');
    await writeFile(spec, text.replace('path: data/shapes', `path: ${JSON.stringify(SHAPES)}`).replace('iterations: 100', 'iterations: 3'));
    const out = join(dir, 'out');
    const result = await runCli(['train', spec, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('protonet on image-folder, 3 rounds');
    expect(result.stdout).toMatch(/held-out tasks \(100\)/);

    const meta = JSON.parse(await readFile(join(out, 'export', 'meta.json'), 'utf8'));
    expect(meta.roundsTrained).toBe(3);
    expect(meta.input).toEqual({
      shape: [16, 16, 3],
      preprocessing: {
        imageSize: 16,
        channels: 3,
        colour: 'rgb',
        valueRange: [0, 1],
        white: 1,
        inverted: false,
        alphaOn: 'white',
        resize: 'area',
        aspectRatio: 'stretched',
        layout: 'HWC',
      },
    });
    expect(meta.task).toMatchObject({ family: 'image-folder', kind: 'classification', supportSize: 5, querySize: 15 });
    expect(meta.task.source.testClasses).toHaveLength(5);
    expect(meta.task.source.trainClasses).toHaveLength(15);
    expect(meta.task.source.images).toEqual({ train: 300, test: 100 });
  });
});
