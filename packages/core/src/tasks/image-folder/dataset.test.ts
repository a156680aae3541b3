import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { specError } from '../../testing/catch-spec-error';
import { jpegFromRgb, pngFromRgba, rawPng, writeTree } from '../../testing/image-files';
import { clearImageFolderCache, type ImageFolderDataset, loadImageFolder } from './dataset';

const dir = mkdtempSync(join(tmpdir(), 'metatrain-image-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A w × h PNG of one grey level: every file tells its place by its level. */
const flatGrey = (level: number, w = 5, h = 4) => pngFromRgba(w, h, Array.from({ length: w * h }, () => [level, level, level, 255]).flat(), 0);
/** 3×3 RGB, every sample different: the tiny image whose resize is worked out by hand below. */
const tinyRgb = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210, 220, 230, 240, 250, 255, 0];

/** Every kind of file the family reads, plus files it must skip. */
const FILES: Record<string, Uint8Array | string> = {
  'b-squares/10.png': flatGrey(30),
  'b-squares/9.png': flatGrey(20, 7, 3),
  'b-squares/A.jpg': jpegFromRgb(16, 16, Array.from({ length: 256 * 3 }, () => 200), 100),
  'a-circles/tiny.PNG': pngFromRgba(3, 3, tinyRgb.flatMap((v, i) => (i % 3 === 2 ? [v, 255] : [v])), 2),
  'a-circles/palette.png': rawPng({ width: 2, height: 1, depth: 8, colourType: 3, scanlines: [0, 0, 1], palette: [255, 0, 0, 0, 0, 255], transparency: [255, 0] }),
  'a-circles/grey-alpha.png': pngFromRgba(2, 2, [0, 0, 0, 255, 0, 0, 0, 0, 90, 90, 90, 255, 90, 90, 90, 0], 4),
  'a-circles/._tiny.PNG': 'macOS resource fork, not an image',
  'a-circles/notes.txt': 'not an image',
  '.DS_Store': 'junk',
  'README.md': 'a dataset',
};
const root = join(dir, 'tree');
writeTree(root, FILES);

function bytesOf(dataset: ImageFolderDataset) {
  return dataset.classes.map((c) => ({ name: c.name, count: c.count, bytes: Buffer.from(c.images.buffer).toString('base64') }));
}

describe('loadImageFolder', () => {
  const grey = loadImageFolder(root, 2, 1, 'tasks.path');
  const rgb = loadImageFolder(root, 2, 3, 'tasks.path');

  it('finds the class folders and their PNG/JPEG files in code-unit order, skipping everything else', () => {
    expect(grey.classes.map((c) => [c.name, c.count])).toEqual([
      ['a-circles', 3],
      ['b-squares', 3],
    ]);
    // b-squares: 10.png (30), 9.png (20), A.jpg (200), as "1" < "9" < "A".
    const squares = grey.classes[1]?.images as Float32Array;
    expect([squares[0], squares[4], squares[8]].map((v) => Math.round((v as number) * 255))).toEqual([30, 20, 200]);
  });

  it('decodes, composites on white, converts and area-resizes as worked out by hand', () => {
    // 3 → 2 pixels: output 0 covers pixel 0 and half of pixel 1 (weights 2/3, 1/3), output 1 the rest.
    const w = [
      [2 / 3, 1 / 3, 0],
      [0, 1 / 3, 2 / 3],
    ];
    const at = (x: number, y: number, c: number) => (tinyRgb[(3 * y + x) * 3 + c] as number) / 255;
    const resized = (c: number, oy: number, ox: number) =>
      [0, 1, 2].reduce((s, y) => s + [0, 1, 2].reduce((t, x) => t + w[oy]![y]! * w[ox]![x]! * at(x, y, c), 0), 0);
    // Classes are a-circles: grey-alpha.png, palette.png, tiny.PNG.
    const rgbTiny = rgb.classes[0]?.images.subarray(2 * 12, 3 * 12) as Float32Array;
    const greyTiny = grey.classes[0]?.images.subarray(2 * 4, 3 * 4) as Float32Array;
    for (let oy = 0; oy < 2; oy++) {
      for (let ox = 0; ox < 2; ox++) {
        for (let c = 0; c < 3; c++) expect(rgbTiny[(oy * 2 + ox) * 3 + c]).toBeCloseTo(resized(c, oy, ox), 6);
        expect(greyTiny[oy * 2 + ox]).toBeCloseTo(0.299 * resized(0, oy, ox) + 0.587 * resized(1, oy, ox) + 0.114 * resized(2, oy, ox), 6);
      }
    }
    // grey-alpha 2×2 → 2×2: black, transparent (white), grey 90, transparent; no inversion.
    expect(Array.from(grey.classes[0]?.images.subarray(0, 4) ?? [])).toEqual([0, 1, 90 / 255, 1].map(Math.fround));
    // palette 2×1: opaque red, fully transparent blue → white; stretched to 2×2.
    expect(Array.from(rgb.classes[0]?.images.subarray(12, 24) ?? [])).toEqual([1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1]);
  });

  it('stores count × size × size × channels values per class', () => {
    for (const [dataset, channels] of [[grey, 1], [rgb, 3]] as const) {
      for (const c of dataset.classes) expect(c.images).toHaveLength(c.count * 2 * 2 * channels);
    }
    expect(loadImageFolder(root, 7, 3, 'tasks.path').classes[1]?.images).toHaveLength(3 * 7 * 7 * 3);
  });

  it('reads a zip of the tree to the same bits, with or without one top folder', () => {
    const entries = Object.fromEntries(Object.entries(FILES).map(([k, v]) => [k, typeof v === 'string' ? new TextEncoder().encode(v) : v]));
    const flat = join(dir, 'flat.zip');
    const wrapped = join(dir, 'wrapped.zip');
    writeFileSync(flat, zipSync(entries));
    const inTop = Object.fromEntries(Object.entries(entries).map(([k, v]) => [`shapes/${k}`, v]));
    writeFileSync(wrapped, zipSync({ ...inTop, '__MACOSX/shapes/a-circles/._tiny.PNG': new Uint8Array([1, 2, 3]) }));
    for (const zip of [flat, wrapped]) {
      for (const [channels, folder] of [[1, grey], [3, rgb]] as const) {
        expect(bytesOf(loadImageFolder(zip, 2, channels, 'tasks.path'))).toEqual(bytesOf(folder));
      }
    }
  });

  it('caches per path, size and channels while the files are unchanged', () => {
    const copy = join(dir, 'cached');
    writeTree(copy, { 'x/a.png': flatGrey(10), 'y/b.png': flatGrey(20) });
    const first = loadImageFolder(copy, 4, 1, 'tasks.path');
    expect(loadImageFolder(copy, 4, 1, 'tasks.path')).toBe(first);
    expect(loadImageFolder(copy, 4, 3, 'tasks.path')).not.toBe(first);
    writeFileSync(join(copy, 'y/b.png'), flatGrey(99));
    utimesSync(join(copy, 'y/b.png'), new Date(), new Date(Date.now() + 5000));
    const reloaded = loadImageFolder(copy, 4, 1, 'tasks.path');
    expect(reloaded).not.toBe(first);
    expect(Math.round((reloaded.classes[1]?.images[0] as number) * 255)).toBe(99);
    clearImageFolderCache();
    expect(loadImageFolder(copy, 4, 1, 'tasks.path')).not.toBe(reloaded);
  });

  it('names the file that does not decode, the field, and what is missing', () => {
    const bad = join(dir, 'bad');
    writeTree(bad, { 'cat/a.png': flatGrey(1), 'cat/b.jpg': 'not a jpeg at all', 'dog/c.png': flatGrey(2) });
    const e = specError(() => loadImageFolder(bad, 4, 1, 'tasks.testPath'));
    expect(e.message).toBe(`tasks.testPath: ${join(bad, 'cat', 'b.jpg')} is not a readable PNG or JPEG: neither a PNG nor a JPEG (unknown signature)`);
    const zip = join(dir, 'bad.zip');
    writeFileSync(zip, zipSync({ 'cat/a.png': flatGrey(1), 'dog/broken.png': flatGrey(2).subarray(0, 30) }));
    expect(specError(() => loadImageFolder(zip, 4, 1, 'tasks.path')).message).toMatch(/^tasks\.path: dog\/broken\.png in .*bad\.zip is not a readable PNG or JPEG: truncated PNG/);

    const missing = join(dir, 'nowhere');
    expect(specError(() => loadImageFolder(missing, 4, 1, 'tasks.path')).message).toBe(`tasks.path: not found: ${missing}`);
    const empty = join(dir, 'empty');
    writeTree(empty, { 'cat/notes.txt': 'no images here' });
    expect(specError(() => loadImageFolder(empty, 4, 1, 'tasks.path')).message).toBe(
      `tasks.path: folder ${empty} has no images (.png, .jpg, .jpeg) in the layout <class>/<image>`,
    );
    const notZip = join(dir, 'not.zip');
    writeFileSync(notZip, 'plain text');
    expect(specError(() => loadImageFolder(notZip, 4, 1, 'tasks.path')).message).toMatch(/^tasks\.path: cannot read .*not\.zip as a zip/);
  });
});
