import { inspect } from 'node:util';
import { storageKeys } from '@metatrain/core';
import { type Checkpoint, CheckpointStore, S3Store, type S3StoreOptions, StorageError } from '@metatrain/storage';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, uniqueBucket, type S3TestServer } from './support/s3-server';

let server: S3TestServer;
const open: S3Store[] = [];

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await server?.close();
});

async function openStore(label: string, options: Partial<S3StoreOptions> = {}): Promise<S3Store> {
  const { endpoint: endPoint, accessKey, secretKey } = server;
  const store = await S3Store.create({ endPoint, accessKey, secretKey, bucket: uniqueBucket(label), ...options });
  open.push(store);
  return store;
}

function rawClient(): Client {
  const url = new URL(server.endpoint);
  const { accessKey, secretKey } = server;
  return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey, secretKey, region: 'us-east-1' });
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe(`S3Store`, () => {
  it('creates its bucket when missing; concurrent creates of one bucket all succeed', async () => {
    const bucket = uniqueBucket('create');
    expect(await rawClient().bucketExists(bucket)).toBe(false);
    const { endpoint: endPoint, accessKey, secretKey } = server;
    const stores = await Promise.all([1, 2, 3].map(() => S3Store.create({ endPoint, accessKey, secretKey, bucket })));
    open.push(...stores);
    expect(await rawClient().bucketExists(bucket)).toBe(true);
    await stores[0]!.put('a', bytes('from the first'));
    expect(await stores[2]!.get('a')).toEqual(bytes('from the first'));
  });

  it('puts, gets, lists and deletes, byte for byte', async () => {
    const store = await openStore('crud');
    const binary = new Uint8Array(256).map((_, i) => 255 - i);
    await store.put('jobs/j1/checkpoints/00000001/params.bin', binary.subarray(10, 200)); // a view with an offset
    await store.put('jobs/j1/LATEST', bytes('1\n'));
    await store.put('jobs/j1/empty', new Uint8Array(0));
    await store.put('jobs/j10/spec.json', bytes('{}'));
    await store.put('jobs/j1/LATEST', bytes('2\n')); // overwrite

    expect(await store.get('jobs/j1/checkpoints/00000001/params.bin')).toEqual(binary.subarray(10, 200));
    expect(await store.get('jobs/j1/LATEST')).toEqual(bytes('2\n'));
    expect(await store.get('jobs/j1/empty')).toEqual(new Uint8Array(0));
    expect(await store.get('jobs/j1/missing')).toBeUndefined();
    expect(await store.list('jobs/j1/')).toEqual(['jobs/j1/LATEST', 'jobs/j1/checkpoints/00000001/params.bin', 'jobs/j1/empty']);
    expect(await store.list('jobs/j1')).toHaveLength(4); // a plain string prefix: j10 too
    expect(await store.list('nothing/')).toEqual([]);

    await store.delete('jobs/j1/LATEST');
    await store.delete('jobs/j1/LATEST'); // missing: not an error
    expect(await store.get('jobs/j1/LATEST')).toBeUndefined();
    expect(await store.list('')).toEqual(['jobs/j1/checkpoints/00000001/params.bin', 'jobs/j1/empty', 'jobs/j10/spec.json']);
    await expect(store.put('jobs/../x', bytes('x'))).rejects.toThrow('invalid storage key');
  });

  it('keeps keys with spaces, plus, percent, ampersand and non-ASCII characters intact', async () => {
    const store = await openStore('awkward');
    const keys = ['a b/c+d%e', 'x&y<z>/"q"', 'ünïcødé/ß', 'plus+/%2F'];
    for (const key of keys) await store.put(key, bytes(key));
    expect(await store.list('')).toEqual([...keys].sort());
    for (const key of keys) expect(await store.get(key)).toEqual(bytes(key));
  });

  it('pages through listings: 1001 keys at the default page size, 45 keys in pages of 7', async () => {
    const store = await openStore('paging');
    const keys = Array.from({ length: 1001 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, bytes(k))));
    expect(await store.list('k/')).toEqual(keys);

    const small = await openStore('paging-small', { listPageSize: 7 });
    const few = Array.from({ length: 45 }, (_, i) => `p/${i}`);
    await Promise.all(few.map((k) => small.put(k, bytes(k))));
    expect(await small.list('p/')).toEqual([...few].sort());
  });

  it('keeps stores with different prefixes apart in one bucket', async () => {
    const whole = await openStore('prefix');
    const { endpoint: endPoint, accessKey, secretKey } = server;
    const teamA = await S3Store.create({ endPoint, accessKey, secretKey, bucket: whole.bucket, prefix: 'team-a' });
    open.push(teamA);
    await teamA.put('jobs/x/LATEST', bytes('7\n'));
    await whole.put('jobs/x/LATEST', bytes('other'));
    expect(await teamA.list('')).toEqual(['jobs/x/LATEST']);
    expect(await teamA.get('jobs/x/LATEST')).toEqual(bytes('7\n'));
    expect(await whole.list('')).toEqual(['jobs/x/LATEST', 'team-a/jobs/x/LATEST']);
  });

  it('runs CheckpointStore end to end: keep 2 of 3, loadLatest, fall back past a corrupted part', async () => {
    const store = await openStore('ckpt');
    const skipped: string[] = [];
    const ckpts = new CheckpointStore(store, storageKeys.coordinatorJob('sinusoid-maml'), { keep: 2, onSkip: (round, why) => skipped.push(`${round}: ${why}`) });
    const checkpoint = (round: number): Checkpoint => ({
      version: round,
      params: [{ name: 'w', shape: [2], values: Float32Array.from([round, -0.5]) }],
      optimizer: [{ name: 'adam/m/w', shape: [2], values: Float32Array.from([0.25, round]) }],
      state: { step: round },
    });
    await ckpts.saveSpec({ name: 'sinusoid-maml' });
    for (const round of [100, 200, 300]) await ckpts.save(checkpoint(round));

    expect(await ckpts.versions()).toEqual([200, 300]);
    expect(await store.list('jobs/sinusoid-maml/checkpoints/00000100/')).toEqual([]);
    const latest = await ckpts.loadLatest();
    expect(latest?.version).toBe(300);
    expect(Array.from(latest!.params[0]!.values)).toEqual([300, -0.5]);
    expect(latest!.state).toEqual({ step: 300 });

    await store.put('jobs/sinusoid-maml/checkpoints/00000300/params.bin', bytes('not the bytes the manifest hashed'));
    const fallback = await new CheckpointStore(store, storageKeys.coordinatorJob('sinusoid-maml'), { onSkip: (r, why) => skipped.push(`${r}: ${why}`) }).loadLatest();
    expect(fallback?.version).toBe(200);
    expect(skipped).toEqual([expect.stringMatching(/^300: round 300: params.bin has \d+ bytes, the manifest says \d+$/)]);
  });

  it('rides out a 2 s outage of the server during a put', async (ctx) => {
    if (!server.outage) return ctx.skip();
    const retries: string[] = [];
    const store = await openStore('outage', { onRetry: (r) => retries.push(`${r.operation} ${r.reason}`) });
    await store.put('before', bytes('1'));
    const outage = server.outage(2_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the server is down by now
    const started = performance.now();
    await store.put('jobs/j/checkpoints/00000001/MANIFEST.json', bytes('{"during":"outage"}'));
    const waited = performance.now() - started;
    await outage;
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((r) => /^put (ECONNREFUSED|ECONNRESET|EPIPE)$/.test(r))).toBe(true);
    expect(waited).toBeGreaterThan(1_000); // it really waited for the server to come back
    expect(await store.get('jobs/j/checkpoints/00000001/MANIFEST.json')).toEqual(bytes('{"during":"outage"}'));
    expect(await store.get('before')).toEqual(bytes('1'));
  });

  it('fails at once, with a clear message and no secret, on wrong credentials', async () => {
    const secretKey = 'wrong-secret-d1c3a7e9f05b';
    for (const accessKey of [server.accessKey, 'no-such-access-key']) {
      const err = await S3Store.create({ endPoint: server.endpoint, accessKey, secretKey, bucket: uniqueBucket('creds') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      const { message, details } = err as StorageError;
      expect(message).toMatch(/^S3 create bucket "mt-creds-[^"]+" in bucket "[^"]+" at http:\/\/127\.0\.0\.1:\d+ failed: /);
      expect(message).toMatch(/AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch/);
      expect(message).toContain('(check the access key and secret key)');
      expect(details).toMatchObject({ transient: false, attempts: 1 }); // no retrying up to the deadline
      expect(inspect(err, { depth: 10 })).not.toContain(secretKey);
    }
  });

  it('fails at once with NoSuchBucket when the bucket disappears after create', async () => {
    const store = await openStore('vanish');
    await rawClient().removeBucket(store.bucket);
    const err = await store.put('k', bytes('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).message).toContain('NoSuchBucket');
    expect((err as StorageError).details).toMatchObject({ code: 'NoSuchBucket', transient: false, attempts: 1 });
  });

  it('gives up on an unreachable endpoint at the retry deadline', async () => {
    const probe = await openStore('unreachable');
    await probe.close();
    const err = await S3Store.create({
      endPoint: 'http://127.0.0.1:1', // nothing listens on port 1
      accessKey: 'a',
      secretKey: 'b-secret',
      bucket: 'metatrain',
      retry: { deadlineMs: 400, initialDelayMs: 20 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).message).toMatch(/failed: still failing \(ECONNREFUSED\) after \d+ attempts in 0\.\d s/);
    expect((err as StorageError).details.transient).toBe(true);
    await expect(probe.get('k')).rejects.toThrow('the store is closed');
    await probe.close(); // idempotent
  });
});
