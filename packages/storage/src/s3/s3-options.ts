import { ConfigError } from '@metatrain/core';
import { compileRetryOptions, type CompiledRetryOptions, type RetryOptions } from '../retry-policy';
import { normalizePrefix } from './prefix';

/** Where and how an S3Store talks to its bucket. */
export interface S3StoreOptions {
  /** The S3 API endpoint as a URL, e.g. `http://127.0.0.1:9000` or `https://s3.example.com`. */
  endPoint: string;
  accessKey: string;
  secretKey: string;
  /** Created by S3Store.create() when missing. */
  bucket: string;
  /** @default 'us-east-1' (what MinIO uses unless configured otherwise) */
  region?: string;
  /** Keys are stored under this prefix inside the bucket, e.g. `metatrain/`. @default '' */
  prefix?: string;
  /** How long transient failures are retried. @default see RetryOptions */
  retry?: RetryOptions;
  /** A request whose socket is silent this long fails as ETIMEDOUT (and is retried). @default 10_000 */
  requestTimeoutMs?: number;
  /** Keys per list request; S3 caps it at 1000. @default 1000 */
  listPageSize?: number;
  /** Told about each retry, for logging. @default ignore */
  onRetry?: (info: { operation: string; target: string; attempt: number; delayMs: number; reason: string }) => void;
}

/** A parsed S3 endpoint URL. */
export interface S3Endpoint {
  host: string;
  port: number;
  useSSL: boolean;
  /** Normalised, for messages: `http://host:port`. */
  url: string;
}

/** S3StoreOptions checked, with every default filled in. */
export interface CompiledS3StoreOptions extends Required<Omit<S3StoreOptions, 'endPoint' | 'retry'>> {
  endPoint: S3Endpoint;
  retry: CompiledRetryOptions;
}

/** Checks the options; a bad one throws ConfigError naming it (never echoing the secret key). */
export function compileS3StoreOptions(options: S3StoreOptions): CompiledS3StoreOptions {
  if (!options.accessKey) throw new ConfigError('accessKey', 'required');
  if (!options.secretKey) throw new ConfigError('secretKey', 'required');
  const region = options.region ?? 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw new ConfigError('region', `invalid region ${JSON.stringify(region)}`);
  const listPageSize = options.listPageSize ?? 1000;
  if (!Number.isSafeInteger(listPageSize) || listPageSize < 1 || listPageSize > 1000) {
    throw new ConfigError('listPageSize', `must be an integer from 1 to 1000, got ${listPageSize}`);
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  if (!(requestTimeoutMs > 0)) throw new ConfigError('requestTimeoutMs', `must be positive, got ${requestTimeoutMs}`);
  checkBucketName(options.bucket, 'bucket');
  return {
    endPoint: parseS3Endpoint(options.endPoint, 'endPoint'),
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    bucket: options.bucket,
    region,
    prefix: normalizePrefix(options.prefix ?? '', 'prefix'),
    retry: compileRetryOptions(options.retry),
    requestTimeoutMs,
    listPageSize,
    onRetry: options.onRetry ?? (() => undefined),
  };
}

/** Parses `http(s)://host[:port]`; anything else throws ConfigError naming `variable`. */
export function parseS3Endpoint(value: string, variable: string): S3Endpoint {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `not a URL: ${JSON.stringify(value)} (expected e.g. http://127.0.0.1:9000)`);
  }
  // The value may embed credentials: from here on, name only its parts known to be safe.
  if (url.username || url.password) {
    throw new ConfigError(variable, 'must not contain credentials (use the access key and secret key settings)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, `unsupported scheme "${url.protocol}" (expected http: or https:)`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConfigError(variable, `must be scheme://host[:port] without a path, got ${JSON.stringify(value)}`);
  }
  const useSSL = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : useSSL ? 443 : 80;
  // URL keeps the brackets of an IPv6 host; the http module wants them off.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port, useSSL, url: `${url.protocol}//${url.host}` };
}

/** Throws ConfigError unless `name` follows the S3 bucket naming rules. */
export function checkBucketName(name: string, variable: string): void {
  const problem =
    name.length < 3 || name.length > 63
      ? 'must be 3 to 63 characters long'
      : !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)
        ? 'may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit'
        : name.includes('..')
          ? 'must not contain two dots in a row'
          : /^\d+\.\d+\.\d+\.\d+$/.test(name)
            ? 'must not look like an IP address'
            : undefined;
  if (problem) throw new ConfigError(variable, `invalid bucket name ${JSON.stringify(name)}: ${problem}`);
}
