import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '@metatrain/core';
import type { BlobStore } from './blob-store';
import { DirectoryStore } from './directory-store';
import { normalizePrefix } from './s3/prefix';
import { checkBucketName, parseS3Endpoint, type S3StoreOptions } from './s3/s3-options';
import { S3Store } from './s3/s3-store';

/** The environment variables openStorage reads (docs/RUNNING.md). */
export interface StorageEnv {
  /** `file:///path` or `s3://bucket[/prefix]`; unset or empty means the caller's default directory. */
  STORAGE_URL?: string;
  /** Required for s3://: the S3 API endpoint, e.g. `http://127.0.0.1:9000`. */
  S3_ENDPOINT?: string;
  S3_ACCESS_KEY?: string;
  S3_SECRET_KEY?: string;
  /** @default 'us-east-1' */
  S3_REGION?: string;
}

/** Where the storage lives, as parsed from the environment, before anything is opened. */
export type StorageConfig =
  | { kind: 'directory'; path: string }
  | { kind: 's3'; options: Required<Pick<S3StoreOptions, 'endPoint' | 'accessKey' | 'secretKey' | 'bucket' | 'region' | 'prefix'>> };

/** An open BlobStore plus what to show in logs and how to release it. */
export interface OpenedStorage {
  store: BlobStore;
  /** `file:///abs/path` or `s3://bucket/prefix at http://host:port`: no credentials. */
  location: string;
  close(): Promise<void>;
}

const EXPECTED = 'expected file:///path or s3://bucket[/prefix]';

/**
 * Reads STORAGE_URL and, for s3://, S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY and S3_REGION.
 * Empty values count as unset (as compose files and Kubernetes manifests often leave them).
 * A bad value throws ConfigError naming the variable and the reason, never echoing the secret.
 */
export function parseStorageConfig(env: StorageEnv, defaultDirectory: string): StorageConfig {
  const value = (name: keyof StorageEnv) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const url = value('STORAGE_URL');
  if (url === undefined) return { kind: 'directory', path: resolve(defaultDirectory) };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) throw new ConfigError('STORAGE_URL', `not a URL: ${JSON.stringify(url)} (${EXPECTED})`);
  if (scheme === 'file') return { kind: 'directory', path: parseFileUrl(url) };
  if (scheme !== 's3') throw new ConfigError('STORAGE_URL', `unsupported scheme "${scheme}:" (${EXPECTED})`);

  // Parsed by hand: URL would lowercase the bucket, hiding a name S3 would refuse.
  const match = /^s3:\/\/([^/?#]*)([^?#]*)$/i.exec(url);
  if (!match) throw new ConfigError('STORAGE_URL', `must be s3://bucket[/prefix] without query or fragment, got ${JSON.stringify(url)}`);
  const bucket = match[1] ?? '';
  if (bucket === '') throw new ConfigError('STORAGE_URL', `missing the bucket name in ${JSON.stringify(url)}`);
  checkBucketName(bucket, 'STORAGE_URL');
  const prefix = normalizePrefix(match[2] ?? '', 'STORAGE_URL');
  const required = (name: 'S3_ENDPOINT' | 'S3_ACCESS_KEY' | 'S3_SECRET_KEY') => {
    const v = value(name);
    if (v === undefined) throw new ConfigError(name, `required when STORAGE_URL is ${url}`);
    return v;
  };
  const endPoint = required('S3_ENDPOINT');
  parseS3Endpoint(endPoint, 'S3_ENDPOINT');
  const accessKey = required('S3_ACCESS_KEY');
  const secretKey = required('S3_SECRET_KEY');
  const region = value('S3_REGION') ?? 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw new ConfigError('S3_REGION', `invalid region ${JSON.stringify(region)}`);
  return { kind: 's3', options: { endPoint, accessKey, secretKey, bucket, region, prefix } };
}

/**
 * Opens the storage STORAGE_URL names (docs/RUNNING.md): a DirectoryStore for file:// or when unset
 * (then `defaultDirectory`), an S3Store for s3:// (creating the bucket if needed).
 * `s3` tunes the S3Store (retry deadline, logging of retries).
 */
export async function openStorage(
  env: StorageEnv,
  options: { defaultDirectory: string; s3?: Pick<S3StoreOptions, 'retry' | 'onRetry' | 'requestTimeoutMs'> },
): Promise<OpenedStorage> {
  const config = parseStorageConfig(env, options.defaultDirectory);
  if (config.kind === 'directory') {
    return { store: new DirectoryStore(config.path), location: pathToFileURL(config.path).href, close: async () => undefined };
  }
  const store = await S3Store.create({ ...config.options, ...options.s3 });
  const { bucket, prefix, endPoint } = config.options;
  return { store, location: `s3://${bucket}/${prefix} at ${endPoint}`, close: () => store.close() };
}

function parseFileUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.search || parsed.hash) throw new Error('a file URL takes no query or fragment');
    return resolve(fileURLToPath(parsed));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError('STORAGE_URL', `bad file URL ${JSON.stringify(url)}: ${reason} (write file:///absolute/path)`);
  }
}
