import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryStore } from './directory-store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@metatrain/core';
import { openStorage, parseStorageConfig, type StorageEnv } from './storage-from-url';

const S3 = { S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY: 'metatrain', S3_SECRET_KEY: 'very-secret-value' };

function configError(env: StorageEnv): ConfigError {
  try {
    parseStorageConfig(env, '/default');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('parseStorageConfig', () => {
  it('uses the default directory when STORAGE_URL is unset or empty', () => {
    expect(parseStorageConfig({}, '/var/lib/metatrain')).toEqual({ kind: 'directory', path: '/var/lib/metatrain' });
    expect(parseStorageConfig({ STORAGE_URL: '  ' }, '/d')).toEqual({ kind: 'directory', path: '/d' });
  });

  it('maps file:///path to a directory', () => {
    expect(parseStorageConfig({ STORAGE_URL: 'file:///srv/runs/' }, '/d')).toEqual({ kind: 'directory', path: '/srv/runs' });
    expect(parseStorageConfig({ STORAGE_URL: 'file:///srv/a%20b' }, '/d')).toEqual({ kind: 'directory', path: '/srv/a b' });
  });

  it('maps s3://bucket/prefix plus the S3_* variables to S3 options', () => {
    expect(parseStorageConfig({ STORAGE_URL: 's3://metatrain/prod/runs/', ...S3, S3_REGION: 'eu-west-1' }, '/d')).toEqual({
      kind: 's3',
      options: { ...{ endPoint: S3.S3_ENDPOINT, accessKey: 'metatrain', secretKey: 'very-secret-value' }, bucket: 'metatrain', prefix: 'prod/runs/', region: 'eu-west-1' },
    });
    const plain = parseStorageConfig({ STORAGE_URL: 's3://metatrain', ...S3 }, '/d');
    expect(plain).toMatchObject({ kind: 's3', options: { bucket: 'metatrain', prefix: '', region: 'us-east-1' } });
  });

  it.each<[StorageEnv, string]>([
    [{ STORAGE_URL: 'ftp://host/x' }, 'STORAGE_URL: unsupported scheme "ftp:"'],
    [{ STORAGE_URL: '/data/runs' }, 'STORAGE_URL: not a URL: "/data/runs" (expected file:///path or s3://bucket[/prefix])'],
    [{ STORAGE_URL: 'file://server/share' }, 'STORAGE_URL: bad file URL "file://server/share"'],
    [{ STORAGE_URL: 's3://' }, 'STORAGE_URL: missing the bucket name'],
    [{ STORAGE_URL: 's3://My_Bucket', ...S3 }, 'STORAGE_URL: invalid bucket name "My_Bucket": may hold only lowercase'],
    [{ STORAGE_URL: 's3://ab', ...S3 }, 'STORAGE_URL: invalid bucket name "ab": must be 3 to 63 characters long'],
    [{ STORAGE_URL: 's3://bucket/a/../b', ...S3 }, 'STORAGE_URL: invalid prefix "a/../b": ".." segment'],
    [{ STORAGE_URL: 's3://bucket?x=1', ...S3 }, 'STORAGE_URL: must be s3://bucket[/prefix] without query or fragment'],
    [{ STORAGE_URL: 's3://bucket' }, 'S3_ENDPOINT: required when STORAGE_URL is s3://bucket'],
    [{ STORAGE_URL: 's3://bucket', ...S3, S3_ENDPOINT: '127.0.0.1:9000' }, 'S3_ENDPOINT: not a URL: "127.0.0.1:9000" (expected e.g. http://127.0.0.1:9000)'],
    [{ STORAGE_URL: 's3://bucket', ...S3, S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT: unsupported scheme "minio:"'],
    [{ STORAGE_URL: 's3://bucket', ...S3, S3_ENDPOINT: 'http://minio:9000/api' }, 'S3_ENDPOINT: must be scheme://host[:port] without a path'],
    [{ STORAGE_URL: 's3://bucket', ...S3, S3_ACCESS_KEY: '' }, 'S3_ACCESS_KEY: required when STORAGE_URL is s3://bucket'],
    [{ STORAGE_URL: 's3://bucket', ...S3, S3_SECRET_KEY: undefined }, 'S3_SECRET_KEY: required when STORAGE_URL is s3://bucket'],
    [{ STORAGE_URL: 's3://bucket', ...S3, S3_REGION: 'EU West' }, 'S3_REGION: invalid region "EU West"'],
  ])('refuses %j naming the variable', (env, message) => {
    expect(configError(env).message).toContain(message);
  });

  it('never echoes credentials embedded in S3_ENDPOINT', () => {
    const err = configError({ STORAGE_URL: 's3://bucket', ...S3, S3_ENDPOINT: 'http://user:very-secret-value@minio:9000' });
    expect(err.setting).toBe('S3_ENDPOINT');
    expect(err.message).not.toContain('very-secret-value');
  });
});

describe('openStorage', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'metatrain-storage-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('opens a working DirectoryStore for file:// and for the default', async () => {
    const named = await openStorage({ STORAGE_URL: `file://${root}/named` }, { defaultDirectory: join(root, 'unused') });
    expect(named.store).toBeInstanceOf(DirectoryStore);
    expect(named.location).toBe(`file://${root}/named`);
    await named.store.put('jobs/a/spec.json', new TextEncoder().encode('{}'));
    expect(await named.store.list('jobs/')).toEqual(['jobs/a/spec.json']);
    await named.close();

    const fallback = await openStorage({}, { defaultDirectory: join(root, 'default') });
    expect(fallback.location).toBe(`file://${root}/default`);
    await fallback.store.put('k', new Uint8Array([1]));
    expect(await new DirectoryStore(join(root, 'default')).get('k')).toEqual(new Uint8Array([1]));
    await fallback.close();
  });
});
