import { resolve } from 'node:path';
import { BACKEND_ENV, ConfigError } from '@metatrain/core';
import { DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX, readCertificates, readKeyPair, TlsFileError } from '@metatrain/contract';
import type { ServerTls } from '../auth/server-credentials';
import { DEFAULT_SPEC_LIMITS, SPEC_LIMIT_ENV, type SpecLimits } from '../jobs/spec-limits';
import type { StorageEnv } from '@metatrain/storage';

/** The coordinator's configuration (docs/RUNNING.md); `coordinatorOptionsFromEnv` reads it. */
export interface CoordinatorOptions {
  /** @default 'redis://127.0.0.1:6379' */
  redisUrl?: string;
  /** STORAGE_URL and the S3_* variables. @default a directory ./metatrain-data */
  storage?: StorageEnv;
  /** @default 50051; 0 picks a free port */
  grpcPort?: number;
  /** @default 8080; 0 picks a free port */
  httpPort?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /** Relative data paths of specs resolve against it. @default the working directory */
  dataDir?: string;
  /** When set, every JobService and WorkerService call and /metrics need it as a bearer token. */
  token?: string;
  /** @default 'metatrain' */
  queuePrefix?: string;
  /** @default 'shards' */
  queueName?: string;
  /** Missing shards of a round are enqueued again after this long. @default 120000 */
  shardDeadlineMs?: number;
  /** The registry lease: a crashed coordinator's successor waits at most this long. @default 15000 */
  leaseTtlMs?: number;
  /** How often workers are told to heartbeat. @default 5000 */
  workerHeartbeatMs?: number;
  /** A worker not heard from for this long is shown LOST. @default 15000 */
  workerLeaseMs?: number;
  /** Refused reports in a row that quarantine a worker (WorkerTable); 0 never. @default 3 */
  quarantineAfter?: number;
  /**
   * How long one storage call retries a failing S3 endpoint; past it, the job waits (and
   * logs) until the endpoint is back rather than failing. @default 30000
   */
  storageRetryDeadlineMs?: number;
  /** PEM certificate chain of the gRPC server; with `tlsKeyFile`, gRPC is served over TLS. @default plaintext */
  tlsCertFile?: string;
  /** PEM private key of `tlsCertFile`. */
  tlsKeyFile?: string;
  /** PEM CA certificates; when set, WorkerService calls need a client certificate signed by one (mutual TLS). */
  tlsClientCaFile?: string;
  /** Size limits of submitted jobs. @default DEFAULT_SPEC_LIMITS */
  limits?: Partial<SpecLimits>;
  /** @default one line per message on stderr */
  log?: (line: string) => void;
}

type CompiledFields = Omit<CoordinatorOptions, 'token' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsClientCaFile' | 'limits'>;

/** {@link CoordinatorOptions} with every default filled in, checked, and the TLS files read. */
export type CompiledCoordinatorOptions = Required<CompiledFields> & {
  token: string | undefined;
  /** Undefined: gRPC in plaintext. */
  tls: ServerTls | undefined;
  limits: SpecLimits;
};

/** The variable each option is read from (docs/RUNNING.md); the storage ones are {@link StorageEnv}'s keys. */
export const COORDINATOR_ENV = {
  redisUrl: 'REDIS_URL',
  grpcPort: 'GRPC_PORT',
  httpPort: 'HTTP_PORT',
  host: 'BIND_HOST',
  dataDir: 'METATRAIN_DATA_DIR',
  token: 'METATRAIN_TOKEN',
  queuePrefix: 'METATRAIN_QUEUE_PREFIX',
  queueName: 'METATRAIN_QUEUE_NAME',
  shardDeadlineMs: 'SHARD_DEADLINE_MS',
  leaseTtlMs: 'LEASE_TTL_MS',
  workerHeartbeatMs: 'WORKER_HEARTBEAT_MS',
  workerLeaseMs: 'WORKER_LEASE_MS',
  quarantineAfter: 'QUARANTINE_AFTER',
  storageRetryDeadlineMs: 'STORAGE_RETRY_DEADLINE_MS',
  tlsCertFile: 'GRPC_TLS_CERT',
  tlsKeyFile: 'GRPC_TLS_KEY',
  tlsClientCaFile: 'GRPC_TLS_CLIENT_CA',
  ...SPEC_LIMIT_ENV,
} as const;

/** Fills in the defaults and checks every value, naming the option at fault (the variable, for TLS files). */
export function compileCoordinatorOptions(options: CoordinatorOptions): CompiledCoordinatorOptions {
  const compiled: CompiledCoordinatorOptions = {
    redisUrl: options.redisUrl ?? 'redis://127.0.0.1:6379',
    storage: options.storage ?? {},
    grpcPort: options.grpcPort ?? 50051,
    httpPort: options.httpPort ?? 8080,
    host: options.host ?? '0.0.0.0',
    dataDir: resolve(options.dataDir ?? process.cwd()),
    token: options.token,
    queuePrefix: options.queuePrefix ?? DEFAULT_QUEUE_PREFIX,
    queueName: options.queueName ?? DEFAULT_QUEUE_NAME,
    shardDeadlineMs: options.shardDeadlineMs ?? 120_000,
    leaseTtlMs: options.leaseTtlMs ?? 15_000,
    workerHeartbeatMs: options.workerHeartbeatMs ?? 5_000,
    workerLeaseMs: options.workerLeaseMs ?? 15_000,
    quarantineAfter: options.quarantineAfter ?? 3,
    storageRetryDeadlineMs: options.storageRetryDeadlineMs ?? 30_000,
    tls: compileTls(options),
    limits: { ...DEFAULT_SPEC_LIMITS, ...options.limits },
    log: options.log ?? ((line) => void process.stderr.write(`${line}\n`)),
  };
  for (const field of ['grpcPort', 'httpPort'] as const) {
    const port = compiled[field];
    if (!Number.isSafeInteger(port) || port < 0 || port > 65535) throw new ConfigError(field, `expected a port number 0-65535, got ${port}`);
  }
  for (const field of ['shardDeadlineMs', 'leaseTtlMs', 'workerHeartbeatMs', 'workerLeaseMs', 'storageRetryDeadlineMs'] as const) {
    if (!Number.isSafeInteger(compiled[field]) || compiled[field] < 1) throw new ConfigError(field, `expected a positive integer of milliseconds, got ${compiled[field]}`);
  }
  if (!Number.isSafeInteger(compiled.quarantineAfter) || compiled.quarantineAfter < 0) throw new ConfigError('quarantineAfter', `expected a non-negative integer, got ${compiled.quarantineAfter}`);
  for (const [field, limit] of Object.entries(compiled.limits)) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new ConfigError(`limits.${field}`, `expected a positive integer, got ${limit}`);
  }
  if (!/^rediss?:\/\//.test(compiled.redisUrl)) throw new ConfigError('redisUrl', 'expected a redis:// or rediss:// URL');
  if (compiled.token === '') throw new ConfigError('token', 'is empty; leave it unset to serve without a token');
  return compiled;
}

/** The storage variables (storage-from-url.ts), passed on as they are. */
const STORAGE_ENV = ['STORAGE_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_REGION'] as const satisfies readonly (keyof StorageEnv)[];

/**
 * Every environment variable the coordinator process reads: the options, the storage and the
 * backend (`selectBackend`). Deployment files are checked against this list
 * (test/infra), so a variable read anywhere else would go unchecked: read it here.
 */
export const COORDINATOR_ENV_NAMES: readonly string[] = [...Object.values(COORDINATOR_ENV), ...STORAGE_ENV, BACKEND_ENV];

/** Reads and checks the TLS files; errors name the variables, since deployments set them. */
function compileTls(options: CoordinatorOptions): ServerTls | undefined {
  const { tlsCertFile: cert, tlsKeyFile: key, tlsClientCaFile: clientCa } = options;
  const env = COORDINATOR_ENV;
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) throw new ConfigError(env.tlsClientCaFile, `needs ${env.tlsCertFile} and ${env.tlsKeyFile}: mutual TLS is TLS with client certificates`);
    return undefined;
  }
  if (cert === undefined) throw new ConfigError(env.tlsCertFile, `required with ${env.tlsKeyFile}`);
  if (key === undefined) throw new ConfigError(env.tlsKeyFile, `required with ${env.tlsCertFile}`);
  try {
    const pair = readKeyPair({ path: cert, setting: env.tlsCertFile }, { path: key, setting: env.tlsKeyFile });
    return { ...pair, clientCa: clientCa === undefined ? undefined : readCertificates({ path: clientCa, setting: env.tlsClientCaFile }) };
  } catch (err) {
    throw err instanceof TlsFileError ? new ConfigError(err.setting, err.reason) : err;
  }
}

function integer(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new ConfigError(name, `expected a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

type EnvName = (typeof COORDINATOR_ENV)[keyof typeof COORDINATOR_ENV];

// Names typed as EnvName: a variable missing from COORDINATOR_ENV does not compile.
const value = (env: NodeJS.ProcessEnv, name: EnvName): string | undefined => (env[name] === '' ? undefined : env[name]);

/** Reads the coordinator's environment (docs/RUNNING.md). @throws {ConfigError} naming the variable. */
export function coordinatorOptionsFromEnv(env: NodeJS.ProcessEnv): CoordinatorOptions {
  const options: CoordinatorOptions = { storage: Object.fromEntries(STORAGE_ENV.map((name) => [name, env[name]])) };
  const set = <K extends keyof CoordinatorOptions>(key: K, v: CoordinatorOptions[K] | undefined) => {
    if (v !== undefined) options[key] = v;
  };
  const names = COORDINATOR_ENV;
  for (const key of ['redisUrl', 'host', 'dataDir', 'token', 'queuePrefix', 'queueName', 'tlsCertFile', 'tlsKeyFile', 'tlsClientCaFile'] as const) set(key, value(env, names[key]));
  for (const key of ['grpcPort', 'httpPort', 'shardDeadlineMs', 'leaseTtlMs', 'workerHeartbeatMs', 'workerLeaseMs', 'quarantineAfter', 'storageRetryDeadlineMs'] as const) set(key, integer(env, names[key]));
  const limits: Partial<SpecLimits> = {};
  for (const key of Object.keys(SPEC_LIMIT_ENV) as Array<keyof SpecLimits>) {
    const limit = integer(env, names[key]);
    if (limit === 0) throw new ConfigError(names[key], 'expected a positive integer, got "0"');
    if (limit !== undefined) limits[key] = limit;
  }
  if (Object.keys(limits).length > 0) options.limits = limits;
  return options;
}
