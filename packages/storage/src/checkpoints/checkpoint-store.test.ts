import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, paramsEqual, storageKeys } from '@metatrain/core';
import type { BlobStore } from '../blob-store';
import { CheckpointStore, type Checkpoint } from './checkpoint-store';
import { DirectoryStore } from '../directory-store';
import { MemoryStore } from '../memory-store';

function checkpoint(round: number): Checkpoint {
  const nan = new Float32Array(new Uint32Array([0x7fa00001]).buffer)[0]!;
  return {
    version: round,
    params: [
      { name: 'w', shape: [2, 2], values: Float32Array.from([round, 0.1, -0, nan]) },
      { name: 'b', shape: [2], values: Float32Array.from([1 / 3, 1e-30]) },
    ],
    optimizer: [{ name: 'adam/m/w', shape: [2, 2], values: Float32Array.from([1, 2, 3, round]) }],
    state: { step: round, history: [0.5, 0.25], rng: { counter: '18446744073709551615' } },
  };
}

/** Records every put and delete in order. */
class RecordingStore implements BlobStore {
  readonly ops: string[] = [];
  constructor(private readonly inner: BlobStore) {}
  async put(key: string, bytes: Uint8Array) {
    this.ops.push(`put ${key}`);
    await this.inner.put(key, bytes);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  async delete(key: string) {
    this.ops.push(`delete ${key}`);
    await this.inner.delete(key);
  }
  locate(key: string) {
    return this.inner.locate(key);
  }
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'metatrain-ckpt-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('CheckpointStore', () => {
  it('round-trips a checkpoint bit for bit in the documented layout', async () => {
    const store = new DirectoryStore(root);
    const ckpts = new CheckpointStore(store, storageKeys.coordinatorJob('job-1'));
    await ckpts.saveSpec({ name: 'sinusoid-maml', seed: 1 });
    await ckpts.save(checkpoint(500));
    expect(await store.list('')).toEqual([
      'jobs/job-1/LATEST',
      'jobs/job-1/checkpoints/00000500/MANIFEST.json',
      'jobs/job-1/checkpoints/00000500/optimizer.bin',
      'jobs/job-1/checkpoints/00000500/params.bin',
      'jobs/job-1/checkpoints/00000500/state.json',
      'jobs/job-1/spec.json',
    ]);
    expect(new TextDecoder().decode(await store.get('jobs/job-1/LATEST'))).toBe('500\n');
    const manifest = JSON.parse(new TextDecoder().decode(await store.get('jobs/job-1/checkpoints/00000500/MANIFEST.json')));
    expect(manifest.parts['params.bin'].sha256).toMatch(/^[0-9a-f]{64}$/);

    const loaded = await new CheckpointStore(new DirectoryStore(root), storageKeys.coordinatorJob('job-1')).loadLatest();
    const want = checkpoint(500);
    expect(loaded?.version).toBe(500);
    expect(paramsEqual(loaded!.params, want.params)).toBe(true);
    expect(paramsEqual(loaded!.optimizer, want.optimizer)).toBe(true);
    expect(loaded!.state).toEqual(want.state);
    expect(await ckpts.loadSpec()).toEqual({ name: 'sinusoid-maml', seed: 1 });
  });

  it('keeps a run directory\'s checkpoints at the top of the directory', async () => {
    const store = new DirectoryStore(root);
    const ckpts = new CheckpointStore(store, storageKeys.runDirectory('sinusoid-maml'));
    await ckpts.saveSpec({ name: 'sinusoid-maml' });
    await ckpts.save(checkpoint(3));
    expect(await store.list('')).toEqual([
      'LATEST',
      'checkpoints/00000003/MANIFEST.json',
      'checkpoints/00000003/optimizer.bin',
      'checkpoints/00000003/params.bin',
      'checkpoints/00000003/state.json',
      'spec.json',
    ]);
    const manifest = JSON.parse(new TextDecoder().decode(await store.get('checkpoints/00000003/MANIFEST.json')));
    expect(manifest.jobId).toBe('sinusoid-maml');
    expect((await new CheckpointStore(new DirectoryStore(root), storageKeys.runDirectory('sinusoid-maml')).loadLatest())?.version).toBe(3);
  });

  it('has nothing to load in an empty store', async () => {
    expect(await new CheckpointStore(new MemoryStore(), storageKeys.coordinatorJob('j')).loadLatest()).toBeUndefined();
  });

  it('falls back to the previous checkpoint when the newest has no manifest', async () => {
    const store = new MemoryStore();
    const skipped: [number, string][] = [];
    const ckpts = new CheckpointStore(store, storageKeys.coordinatorJob('j'), { onSkip: (r, why) => skipped.push([r, why]) });
    await ckpts.save(checkpoint(1));
    await ckpts.save(checkpoint(2));
    await store.delete('jobs/j/checkpoints/00000002/MANIFEST.json');
    const loaded = await ckpts.loadLatest();
    expect(loaded?.version).toBe(1);
    expect(paramsEqual(loaded!.params, checkpoint(1).params)).toBe(true);
    expect(skipped).toEqual([[2, 'round 2: no MANIFEST.json (incomplete checkpoint)']]);
  });

  it('falls back when a byte of params.bin is flipped', async () => {
    const store = new MemoryStore();
    const skipped: [number, string][] = [];
    const ckpts = new CheckpointStore(store, storageKeys.coordinatorJob('j'), { onSkip: (r, why) => skipped.push([r, why]) });
    await ckpts.save(checkpoint(1));
    await ckpts.save(checkpoint(2));
    const key = 'jobs/j/checkpoints/00000002/params.bin';
    const bytes = (await store.get(key))!;
    bytes[bytes.length - 3]! ^= 0x01;
    await store.put(key, bytes);
    expect((await ckpts.loadLatest())?.version).toBe(1);
    expect(skipped).toEqual([[2, 'round 2: params.bin fails its sha256 check']]);
  });

  it('falls back when a part is missing or truncated, and load(round) says why', async () => {
    const store = new MemoryStore();
    const ckpts = new CheckpointStore(store, storageKeys.coordinatorJob('j'), { keep: 5 });
    for (const r of [1, 2, 3]) await ckpts.save(checkpoint(r));
    await store.delete('jobs/j/checkpoints/00000003/optimizer.bin');
    await store.put('jobs/j/checkpoints/00000002/state.json', new TextEncoder().encode('{}'));
    await expect(ckpts.load(3)).rejects.toThrow('round 3: optimizer.bin is missing');
    await expect(ckpts.load(2)).rejects.toThrow(/round 2: state.json has 2 bytes, the manifest says \d+/);
    expect((await ckpts.loadLatest())?.version).toBe(1);
  });

  it('does not trust LATEST: a complete newer round counts, a missing LATEST is fine', async () => {
    const store = new MemoryStore();
    const ckpts = new CheckpointStore(store, storageKeys.coordinatorJob('j'));
    await ckpts.save(checkpoint(7));
    await ckpts.save(checkpoint(8));
    await store.put('jobs/j/LATEST', new TextEncoder().encode('7\n')); // as if we crashed before LATEST
    expect((await ckpts.loadLatest())?.version).toBe(8);
    await store.delete('jobs/j/LATEST');
    expect((await ckpts.loadLatest())?.version).toBe(8);
  });

  it('keeps the newest `keep` complete checkpoints', async () => {
    const store = new MemoryStore();
    const ckpts = new CheckpointStore(store, storageKeys.coordinatorJob('j'), { keep: 2 });
    for (const r of [100, 200, 300]) await ckpts.save(checkpoint(r));
    expect(await ckpts.versions()).toEqual([200, 300]);
    expect(await store.list('jobs/j/checkpoints/00000100/')).toEqual([]);
    expect(await store.list('jobs/j/checkpoints/00000200/')).toHaveLength(4);
    await ckpts.save(checkpoint(400));
    expect(await ckpts.versions()).toEqual([300, 400]);
  });

  it('writes the parts, then the manifest, then LATEST, then prunes manifest-first', async () => {
    const store = new RecordingStore(new MemoryStore());
    const ckpts = new CheckpointStore(store, storageKeys.coordinatorJob('j'), { keep: 1 });
    await ckpts.save(checkpoint(1));
    store.ops.length = 0;
    await ckpts.save(checkpoint(2));
    const ops = store.ops;
    const at = (op: string) => ops.indexOf(op);
    for (const part of ['params.bin', 'optimizer.bin', 'state.json']) {
      expect(at(`put jobs/j/checkpoints/00000002/${part}`)).toBeGreaterThanOrEqual(0);
      expect(at(`put jobs/j/checkpoints/00000002/${part}`)).toBeLessThan(at('put jobs/j/checkpoints/00000002/MANIFEST.json'));
    }
    expect(at('put jobs/j/checkpoints/00000002/MANIFEST.json')).toBeLessThan(at('put jobs/j/LATEST'));
    expect(at('put jobs/j/LATEST')).toBeLessThan(at('delete jobs/j/checkpoints/00000001/MANIFEST.json'));
    expect(at('delete jobs/j/checkpoints/00000001/MANIFEST.json')).toBeLessThan(at('delete jobs/j/checkpoints/00000001/params.bin'));
  });

  it('rewriting a round removes its manifest before touching the parts', async () => {
    const store = new RecordingStore(new MemoryStore());
    const ckpts = new CheckpointStore(store, storageKeys.coordinatorJob('j'));
    await ckpts.save(checkpoint(5));
    store.ops.length = 0;
    await ckpts.save({ ...checkpoint(5), state: { step: 'again' } });
    expect(store.ops[0]).toBe('delete jobs/j/checkpoints/00000005/MANIFEST.json');
    expect((await ckpts.loadLatest())?.state).toEqual({ step: 'again' });
  });

  it('propagates storage errors instead of falling back to an older checkpoint', async () => {
    const inner = new MemoryStore();
    const ckpts = new CheckpointStore(inner, storageKeys.coordinatorJob('j'));
    await ckpts.save(checkpoint(1));
    await ckpts.save(checkpoint(2));
    const flaky: BlobStore = {
      put: (k, b) => inner.put(k, b),
      list: (p) => inner.list(p),
      delete: (k) => inner.delete(k),
      locate: (k) => inner.locate(k),
      get: async (k) => {
        if (k.includes('00000002')) throw new Error('connect ECONNREFUSED');
        return inner.get(k);
      },
    };
    await expect(new CheckpointStore(flaky, storageKeys.coordinatorJob('j')).loadLatest()).rejects.toThrow('ECONNREFUSED');
  });

  it('rejects bad job ids, rounds and keep values', async () => {
    expect(() => new CheckpointStore(new MemoryStore(), storageKeys.coordinatorJob('a/b'))).toThrow(CheckpointError);
    expect(() => new CheckpointStore(new MemoryStore(), storageKeys.coordinatorJob('..'))).toThrow(/invalid storage key/);
    expect(() => new CheckpointStore(new MemoryStore(), storageKeys.coordinatorJob('j'), { keep: 0 })).toThrow(/keep/);
    await expect(new CheckpointStore(new MemoryStore(), storageKeys.coordinatorJob('j')).save(checkpoint(-1))).rejects.toThrow(CheckpointError);
    await expect(new CheckpointStore(new MemoryStore(), storageKeys.coordinatorJob('j')).saveSpec('{nope')).rejects.toThrow(/spec is not JSON/);
  });
});
