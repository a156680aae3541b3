import { resolve } from 'node:path';
import { BACKEND_ENV, BACKEND_NAMES, type BackendName, ConfigError, type Env, type EnvFields, gotInput, integerText, type Log, LOG_FORMAT_ENV, parseConfig, parseEnv, redisUrlSetting, refuseWeakSecrets } from '@metatrain/core';
import { DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX, readCertificates, readKeyPair, TlsFileError } from '@metatrain/contract';
import { compileDatasetOptions, DATASET_ENV } from '@metatrain/datasets';
import type { StorageEnv } from '@metatrain/storage';
import { z } from 'zod';
import type { ServerTls } from '../auth/server-credentials';
import { DEFAULT_HISTORY_FLUSH_MS } from '../history/history-writer';
import { DEFAULT_SPEC_LIMITS, SPEC_LIMIT_ENV, type SpecLimits } from '../jobs/spec-limits';

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
  /**
   * Relative data paths of specs resolve against it, and the catalog datasets specs name are
   * looked for in it first (`<dataDir>/<name>/<file>`). @default the working directory
   */
  dataDir?: string;
  /** metatrain's cache: catalog datasets not found elsewhere are downloaded into `<cacheDir>/datasets`, data stored with jobs is fetched into `<cacheDir>/data`. @default $XDG_CACHE_HOME/metatrain, else ~/.cache/metatrain */
  cacheDir?: string;
  /** Download datasets from `<mirror>/<name>/<file>` instead of their official URLs. @default none */
  datasetMirror?: string;
  /** When set, every JobService and WorkerService call and /metrics need it as a bearer token. */
  token?: string;
  /** @default 'metatrain' */
  queuePrefix?: string;
  /** @default 'shards' */
  queueName?: string;
  /**
   * The backend of jobs that name no `resources.backend`. @default none: the one backend of
   * the active workers of the job's pool (a pool of several backends refuses such jobs)
   */
  defaultBackend?: BackendName;
  /** Missing shards of a round are enqueued again after this long. @default 120000 */
  shardDeadlineMs?: number;
  /** The registry lease: a crashed coordinator's successor waits at most this long. @default 15000 */
  leaseTtlMs?: number;
  /**
   * close() (SIGTERM) ends within this long in every state, Redis or storage unreachable
   * included: what did not finish by then is left (running jobs resume from their last
   * checkpoint). @default 25000, below Kubernetes' 30 s grace period
   */
  shutdownTimeoutMs?: number;
  /** How often workers are told to heartbeat. @default 5000 */
  workerHeartbeatMs?: number;
  /** A worker not heard from for this long is shown LOST. @default 15000 */
  workerLeaseMs?: number;
  /** A job's rounds and evaluations are written to storage at most this long after they happen (or 64 at a time). @default 5000 */
  historyFlushMs?: number;
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
  /** @default one line per message on stderr, as written (`LOG_FORMAT=text`) */
  log?: Log;
}

type CompiledFields = Omit<CoordinatorOptions, 'token' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsClientCaFile' | 'limits' | 'datasetMirror' | 'defaultBackend'>;

/** {@link CoordinatorOptions} with every default filled in, checked, and the TLS files read. */
export type CompiledCoordinatorOptions = Required<CompiledFields> & {
  token: string | undefined;
  defaultBackend: BackendName | undefined;
  datasetMirror: string | undefined;
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
  dataDir: DATASET_ENV.dataDir,
  cacheDir: DATASET_ENV.cacheDir,
  datasetMirror: DATASET_ENV.mirror,
  token: 'METATRAIN_TOKEN',
  queuePrefix: 'METATRAIN_QUEUE_PREFIX',
  queueName: 'METATRAIN_QUEUE_NAME',
  defaultBackend: 'METATRAIN_DEFAULT_BACKEND',
  shardDeadlineMs: 'SHARD_DEADLINE_MS',
  leaseTtlMs: 'LEASE_TTL_MS',
  shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
  workerHeartbeatMs: 'WORKER_HEARTBEAT_MS',
  workerLeaseMs: 'WORKER_LEASE_MS',
  quarantineAfter: 'QUARANTINE_AFTER',
  historyFlushMs: 'HISTORY_FLUSH_MS',
  storageRetryDeadlineMs: 'STORAGE_RETRY_DEADLINE_MS',
  tlsCertFile: 'GRPC_TLS_CERT',
  tlsKeyFile: 'GRPC_TLS_KEY',
  tlsClientCaFile: 'GRPC_TLS_CLIENT_CA',
  ...SPEC_LIMIT_ENV,
} as const;

const port = z.number({ error: gotInput('expected a port number 0-65535') }).int().min(0).max(65535);
const milliseconds = z.number({ error: gotInput('expected a positive integer of milliseconds') }).int().min(1);
const count = z.number({ error: gotInput('expected a non-negative integer') }).int().min(0);
const backend = z.enum(BACKEND_NAMES, { error: gotInput(`expected one of ${BACKEND_NAMES.join(', ')}`) });
const limit = z.number({ error: gotInput('expected a positive integer') }).int().min(1);
const limitOr = (name: keyof SpecLimits) => limit.default(DEFAULT_SPEC_LIMITS[name]);

/** The options that are checked, with their defaults; the others are taken as given. */
const checkedOptions = z.object({
  redisUrl: redisUrlSetting.default('redis://127.0.0.1:6379'),
  grpcPort: port.default(50051),
  httpPort: port.default(8080),
  host: z.string().default('0.0.0.0'),
  token: z.string().min(1, { error: 'is empty; leave it unset to serve without a token' }).optional(),
  queuePrefix: z.string().default(DEFAULT_QUEUE_PREFIX),
  queueName: z.string().default(DEFAULT_QUEUE_NAME),
  defaultBackend: backend.optional(),
  shardDeadlineMs: milliseconds.default(120_000),
  leaseTtlMs: milliseconds.default(15_000),
  shutdownTimeoutMs: milliseconds.default(25_000),
  workerHeartbeatMs: milliseconds.default(5_000),
  workerLeaseMs: milliseconds.default(15_000),
  quarantineAfter: count.default(3),
  historyFlushMs: milliseconds.default(DEFAULT_HISTORY_FLUSH_MS),
  storageRetryDeadlineMs: milliseconds.default(30_000),
  limits: z
    .object({ maxMetaBatchSize: limitOr('maxMetaBatchSize'), maxModelParameters: limitOr('maxModelParameters'), maxTaskExamples: limitOr('maxTaskExamples'), maxRoundBytes: limitOr('maxRoundBytes'), maxDataBytes: limitOr('maxDataBytes') })
    .prefault({}),
});

/** Fills in the defaults and checks every value, naming the option at fault (the variable, for TLS files). */
export function compileCoordinatorOptions(options: CoordinatorOptions): CompiledCoordinatorOptions {
  const checked = parseConfig(checkedOptions, options);
  // Checks the mirror (a ConfigError naming METATRAIN_DATASET_MIRROR); the cache defaults to the user's.
  const datasets = compileDatasetOptions({ cacheDir: options.cacheDir, mirror: options.datasetMirror });
  return {
    ...checked,
    token: checked.token,
    defaultBackend: checked.defaultBackend,
    storage: options.storage ?? {},
    dataDir: resolve(options.dataDir ?? process.cwd()),
    cacheDir: datasets.cacheDir,
    datasetMirror: datasets.mirror,
    tls: compileTls(options),
    log: options.log ?? ((line) => void process.stderr.write(`${line}\n`)),
  };
}

/** The storage variables (storage-from-url.ts), passed on as they are. */
const STORAGE_ENV = ['STORAGE_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_REGION'] as const satisfies readonly (keyof StorageEnv)[];

/**
 * Every environment variable the coordinator process reads: the options, the storage, the
 * backend (`selectBackend`) and the log format (main.ts, `logFormatFromEnv`). Deployment files are checked against this list
 * (test/infra), so a variable read anywhere else would go unchecked: read it here.
 */
export const COORDINATOR_ENV_NAMES: readonly string[] = [...Object.values(COORDINATOR_ENV), ...STORAGE_ENV, BACKEND_ENV, LOG_FORMAT_ENV];

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

const integerIn = (range: z.ZodType<number, number>) => integerText('expected a non-negative integer').pipe(range);
// A limit of 0 would refuse every job: refused as the variable was written.
const limitText = z.string().refine((text) => !/^0+$/.test(text), { error: gotInput('expected a positive integer') }).pipe(integerIn(limit));

/** How the options that are not plain text are read: compileCoordinatorOptions's checks, naming the variable. */
const fromText = {
  redisUrl: redisUrlSetting,
  defaultBackend: z.string().transform((text) => text.trim().toLowerCase()).pipe(backend),
  grpcPort: integerIn(port), httpPort: integerIn(port), quarantineAfter: integerIn(count),
  shardDeadlineMs: integerIn(milliseconds), leaseTtlMs: integerIn(milliseconds), storageRetryDeadlineMs: integerIn(milliseconds), shutdownTimeoutMs: integerIn(milliseconds),
  workerHeartbeatMs: integerIn(milliseconds), workerLeaseMs: integerIn(milliseconds), historyFlushMs: integerIn(milliseconds),
  maxMetaBatchSize: limitText, maxModelParameters: limitText, maxTaskExamples: limitText, maxRoundBytes: limitText, maxDataBytes: limitText,
} satisfies EnvFields<typeof COORDINATOR_ENV>;

/**
 * Reads the coordinator's environment (docs/RUNNING.md), refusing placeholder secrets (docs/SECURITY.md).
 * @throws {ConfigError} naming the variable.
 */
export function coordinatorOptionsFromEnv(env: Env): CoordinatorOptions {
  refuseWeakSecrets(env, { secrets: [COORDINATOR_ENV.token, 'S3_SECRET_KEY'], redisUrls: [COORDINATOR_ENV.redisUrl] });
  const { maxMetaBatchSize, maxModelParameters, maxTaskExamples, maxRoundBytes, maxDataBytes, ...options } = parseEnv(env, COORDINATOR_ENV, fromText);
  const storage = Object.fromEntries(STORAGE_ENV.map((name) => [name, env[name]]));
  return { ...options, storage, limits: { maxMetaBatchSize, maxModelParameters, maxTaskExamples, maxRoundBytes, maxDataBytes } };
}
