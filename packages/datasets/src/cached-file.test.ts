import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecodeError, sha256Hex } from '@metatrain/core';
import { cachedFile } from './cached-file';

describe('cachedFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'metatrain-cache-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const bytes = new TextEncoder().encode('city,price\nA,1\n');
  const hash = sha256Hex(bytes);

  it('fetches once, then uses the copy; fetches again a copy that was damaged', async () => {
    let fetches = 0;
    const fetch = async () => (fetches++, bytes);
    const path = await cachedFile(dir, hash, fetch);
    expect(path).toBe(join(dir, hash));
    expect(await cachedFile(dir, hash, fetch)).toBe(path);
    expect(fetches).toBe(1);
    await writeFile(join(dir, hash), 'damaged');
    await cachedFile(dir, hash, fetch);
    expect(fetches).toBe(2);
    expect(await readFile(join(dir, hash))).toEqual(Buffer.from(bytes));
    expect(await readdir(dir)).toEqual([hash]); // no temporary file left
  });

  it('refuses bytes that are not what the name says, and keeps nothing of them', async () => {
    await expect(cachedFile(dir, '0'.repeat(64), async () => bytes)).rejects.toThrow(DecodeError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('lets two writers with the same process and thread id fill one entry at once', async () => {
    // Containers sharing one cache volume (compose's workers) can have the same pid; two calls
    // of one thread stand in for them: each must write a temporary file of its own.
    const slowFetch = async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return bytes;
    };
    const paths = await Promise.all([cachedFile(dir, hash, slowFetch), cachedFile(dir, hash, slowFetch)]);
    expect(paths).toEqual([join(dir, hash), join(dir, hash)]);
    expect(await readFile(join(dir, hash))).toEqual(Buffer.from(bytes));
    expect(await readdir(dir)).toEqual([hash]);
  });

  it('says so when there is nothing to fetch', async () => {
    expect(await cachedFile(dir, hash, async () => undefined)).toBeUndefined();
  });
});
