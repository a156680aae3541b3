import { resolve } from 'node:path';
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
    workerHeartbeatMs: options.workerHeartbeatMs ?? 5_000,
    workerLeaseMs: options.workerLeaseMs ?? 15_000,
    quarantineAfter: options.quarantineAfter ?? 3,
    storageRetryDeadlineMs: options.storageRetryDeadlineMs ?? 30_000,
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
  if (!/^rediss?:\/\//.test(compiled.redisUrl)) throw new ConfigError('redisUrl', 'expected a redis:// or rediss:// URL');
  return compiled;
}

function integer(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new ConfigError(name, `expected a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

const value = (env: NodeJS.ProcessEnv, name: string): string | undefined => (env[name] === '' ? undefined : env[name]);

/** Reads the coordinator's environment (docs/RUNNING.md). @throws {ConfigError} naming the variable. */
export function coordinatorOptionsFromEnv(env: NodeJS.ProcessEnv): CoordinatorOptions {
  const options: CoordinatorOptions = {
    storage: { STORAGE_URL: env.STORAGE_URL, S3_ENDPOINT: env.S3_ENDPOINT, S3_ACCESS_KEY: env.S3_ACCESS_KEY, S3_SECRET_KEY: env.S3_SECRET_KEY, S3_REGION: env.S3_REGION },
  };
  const set = <K extends keyof CoordinatorOptions>(key: K, v: CoordinatorOptions[K] | undefined) => {
    if (v !== undefined) options[key] = v;
  };
  set('redisUrl', value(env, 'REDIS_URL'));
  set('grpcPort', integer(env, 'GRPC_PORT'));
  set('httpPort', integer(env, 'HTTP_PORT'));
  set('host', value(env, 'BIND_HOST'));
  set('dataDir', value(env, 'METATRAIN_DATA_DIR'));
  set('token', value(env, 'METATRAIN_TOKEN'));
  set('queuePrefix', value(env, 'METATRAIN_QUEUE_PREFIX'));
  set('queueName', value(env, 'METATRAIN_QUEUE_NAME'));
  set('shardDeadlineMs', integer(env, 'SHARD_DEADLINE_MS'));
  set('leaseTtlMs', integer(env, 'LEASE_TTL_MS'));
  set('workerHeartbeatMs', integer(env, 'WORKER_HEARTBEAT_MS'));
  set('workerLeaseMs', integer(env, 'WORKER_LEASE_MS'));
  set('quarantineAfter', integer(env, 'QUARANTINE_AFTER'));
  set('storageRetryDeadlineMs', integer(env, 'STORAGE_RETRY_DEADLINE_MS'));
  return options;
}
