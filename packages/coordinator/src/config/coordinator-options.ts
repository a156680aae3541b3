import { resolve } from 'node:path';
import { BACKEND_ENV } from '@metatrain/metalearn';
import { DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX } from '@metatrain/protocol';
import { ConfigError } from '../errors';
import type { StorageEnv } from '../storage/storage-from-url';

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
  /** When set, RPCs and /metrics need it as a bearer token. */
  token?: string;
  /** @default 'metatrain' */
  queuePrefix?: string;
  /** @default 'shards' */
  queueName?: string;
  /** Missing shards of a round are enqueued again after this long. @default 120000 */
  shardDeadlineMs?: number;
  /** The registry lease: a crashed coordinator's successor waits at most this long. @default 15000 */
  leaseTtlMs?: number;
  /** @default one line per message on stderr */
  log?: (line: string) => void;
}

export type CompiledCoordinatorOptions = Required<Omit<CoordinatorOptions, 'token'>> & { token: string | undefined };

/** Fills in the defaults and checks every value, naming the option at fault. */
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
    log: options.log ?? ((line) => void process.stderr.write(`${line}\n`)),
  };
  for (const field of ['grpcPort', 'httpPort'] as const) {
    const port = compiled[field];
    if (!Number.isSafeInteger(port) || port < 0 || port > 65535) throw new ConfigError(field, `expected a port number 0-65535, got ${port}`);
  }
  for (const field of ['shardDeadlineMs', 'leaseTtlMs'] as const) {
    if (!Number.isSafeInteger(compiled[field]) || compiled[field] < 1) throw new ConfigError(field, `expected a positive integer of milliseconds, got ${compiled[field]}`);
  }
  if (!/^rediss?:\/\//.test(compiled.redisUrl)) throw new ConfigError('redisUrl', 'expected a redis:// or rediss:// URL');
  return compiled;
}

/** The variable each option is read from (docs/RUNNING.md). */
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
} as const satisfies Partial<Record<keyof CoordinatorOptions, string>>;

/** The storage variables (storage-from-url.ts), passed on as they are. */
const STORAGE_ENV = ['STORAGE_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_REGION'] as const satisfies readonly (keyof StorageEnv)[];

/**
 * Every environment variable the coordinator process reads: the options, the storage and the
 * backend (`selectBackend`). Deployment files are checked against this list
 * (test/infra), so a variable read anywhere else would go unchecked: read it here.
 */
export const COORDINATOR_ENV_NAMES: readonly string[] = [...Object.values(COORDINATOR_ENV), ...STORAGE_ENV, BACKEND_ENV];

type EnvName = (typeof COORDINATOR_ENV)[keyof typeof COORDINATOR_ENV];

function integer(env: NodeJS.ProcessEnv, name: EnvName): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new ConfigError(name, `expected a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

// Names typed as EnvName: a variable missing from COORDINATOR_ENV does not compile.
const value = (env: NodeJS.ProcessEnv, name: EnvName): string | undefined => (env[name] === '' ? undefined : env[name]);

/** Reads the coordinator's environment (docs/RUNNING.md). @throws {ConfigError} naming the variable. */
export function coordinatorOptionsFromEnv(env: NodeJS.ProcessEnv): CoordinatorOptions {
  const options: CoordinatorOptions = { storage: Object.fromEntries(STORAGE_ENV.map((name) => [name, env[name]])) };
  const set = <K extends keyof CoordinatorOptions>(key: K, v: CoordinatorOptions[K] | undefined) => {
    if (v !== undefined) options[key] = v;
  };
  const E = COORDINATOR_ENV;
  set('redisUrl', value(env, E.redisUrl));
  set('grpcPort', integer(env, E.grpcPort));
  set('httpPort', integer(env, E.httpPort));
  set('host', value(env, E.host));
  set('dataDir', value(env, E.dataDir));
  set('token', value(env, E.token));
  set('queuePrefix', value(env, E.queuePrefix));
  set('queueName', value(env, E.queueName));
  set('shardDeadlineMs', integer(env, E.shardDeadlineMs));
  set('leaseTtlMs', integer(env, E.leaseTtlMs));
  return options;
}
