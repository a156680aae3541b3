import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryStore } from './directory-store';
import { MemoryStore } from './memory-store';
import type { BlobStore } from './blob-store';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'metatrain-store-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each([
  ['DirectoryStore', () => new DirectoryStore(join(root, 'data'))],
  ['MemoryStore', () => new MemoryStore()],
])('%s', (_name, create: () => BlobStore) => {
  it('puts, gets, overwrites and deletes', async () => {
    const store = create();
    expect(await store.get('jobs/a/LATEST')).toBeUndefined();
    await store.put('jobs/a/LATEST', bytes('1'));
    await store.put('jobs/a/LATEST', bytes('22'));
    expect(text(await store.get('jobs/a/LATEST'))).toBe('22');
    await store.delete('jobs/a/LATEST');
    await store.delete('jobs/a/LATEST'); // deleting a missing key is fine
    expect(await store.get('jobs/a/LATEST')).toBeUndefined();
  });

  it('lists keys under a prefix at any depth, sorted, like S3', async () => {
    const store = create();
    for (const key of ['jobs/b/x', 'jobs/a/checkpoints/00000002/p', 'jobs/a/checkpoints/00000001/p', 'jobs/a/spec.json', 'jobs/ab/y']) {
      await store.put(key, bytes(key));
    }
    expect(await store.list('jobs/a/')).toEqual(['jobs/a/checkpoints/00000001/p', 'jobs/a/checkpoints/00000002/p', 'jobs/a/spec.json']);
    expect(await store.list('jobs/a')).toEqual([
      'jobs/a/checkpoints/00000001/p',
      'jobs/a/checkpoints/00000002/p',
      'jobs/a/spec.json',
      'jobs/ab/y',
    ]);
    expect(await store.list('nothing/here/')).toEqual([]);
    expect(await store.list('')).toHaveLength(5);
  });

  it('rejects keys that could escape the store or alias another key', async () => {
    const store = create();
    for (const key of ['', '../x', 'a/../b', '/abs', 'a//b', 'a/./b', 'a\\b']) {
      await expect(store.put(key, bytes('x')), key).rejects.toThrow(/invalid storage key/);
    }
  });

  it('copies values so callers cannot change what is stored', async () => {
    const store = create();
    const value = bytes('abc');
    await store.put('k', value);
    value[0] = 0x7a;
    const got = await store.get('k');
    expect(text(got)).toBe('abc');
  });
});

describe('DirectoryStore on disk', () => {
  it('locates a key, or a directory of keys, as the file URL where it is', async () => {
    const store = new DirectoryStore(join(root, 'data'));
    await store.put('jobs/j/checkpoints/00000001/MANIFEST.json', bytes('{}'));
    expect(await readdir(fileURLToPath(store.locate('jobs/j/checkpoints/00000001/')))).toEqual(['MANIFEST.json']);
    expect(store.locate('jobs/j/LATEST')).toBe(pathToFileURL(join(root, 'data/jobs/j/LATEST')).href);
  });

  it('creates directories, leaves no temp files and removes emptied directories', async () => {
    const store = new DirectoryStore(join(root, 'data'));
    await store.put('jobs/j/checkpoints/00000001/params.bin', bytes('p'));
    await store.put('jobs/j/LATEST', bytes('1'));
    expect(await readdir(join(root, 'data/jobs/j/checkpoints/00000001'))).toEqual(['params.bin']);
    await store.delete('jobs/j/checkpoints/00000001/params.bin');
    await expect(stat(join(root, 'data/jobs/j/checkpoints'))).rejects.toThrow(/ENOENT/);
    expect(await readdir(join(root, 'data/jobs/j'))).toEqual(['LATEST']);
    await store.delete('jobs/j/LATEST');
    expect((await stat(join(root, 'data'))).isDirectory()).toBe(true); // the root stays
  });

  it('survives concurrent puts into one directory and a delete emptying it', async () => {
    const store = new DirectoryStore(join(root, 'data'));
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => store.put(`d/k${i}`, bytes(String(i)))),
      store.delete('d/none'),
    ]);
    expect(await store.list('d/')).toHaveLength(20);
  });

  it('treats a key that is a directory as missing', async () => {
    const store = new DirectoryStore(join(root, 'data'));
    await store.put('a/b', bytes('x'));
    expect(await store.get('a')).toBeUndefined();
  });
});
