import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { BACKEND_NAMES, type BackendName, ConfigError, DEFAULT_POOL, POOL_NAME_PATTERN, POOL_NAME_RULE, type Env, type EnvFields, gotInput, integerText, type Log, LOG_FORMAT_ENV, parseConfig, parseEnv, redisUrlSetting, refuseWeakSecrets } from '@metatrain/core';
import { compileDatasetOptions, DATASET_ENV } from '@metatrain/datasets';
import { certificateIdentity, type ClientTls, DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX, isBoundWorkerId, type KeyPair, readCertificates, readKeyPair, TlsFileError, unboundWorkerIdReason } from '@metatrain/contract';
import { z } from 'zod';
import { FAKE_COMPUTE_ENV, type FakeComputeOptions } from '../compute/fake-compute-switch';
import { TEST_FAULT_ENV, type TestFaults } from '../faults/test-faults';
import type { ShardEvent } from '../shards/shard-event';

/** Options of {@link Worker.create}; every one has a default (docs/RUNNING.md). */
export interface WorkerOptions {
  /** `host:port` of the coordinator's gRPC server. @default '127.0.0.1:50051' */
  coordinatorAddress?: string;
  /** The shard queue's Redis. @default 'redis://127.0.0.1:6379' */
  redisUrl?: string;
  /** Force a compute backend. @default the fastest available (tensorflow → wasm → cpu) */
  backend?: BackendName;
  /**
   * Compute threads: shards computed at once, each in its own thread with its own backend.
   * @default the cores the process may use (`os.availableParallelism()`)
   */
  threads?: number;
  /** When set, every RPC carries `authorization: Bearer <token>`. @default unset */
  token?: string;
  /** Talk to the coordinator over TLS (implied by the three TLS files). @default false */
  tls?: boolean;
  /** PEM CA certificates that sign the coordinator's certificate. @default the system's trusted roots */
  tlsCaFile?: string;
  /** PEM client certificate for mutual TLS, with `tlsKeyFile`. @default none */
  tlsCertFile?: string;
  /** PEM private key of `tlsCertFile`. */
  tlsKeyFile?: string;
  /**
   * Relative dataset paths in specs resolve against it, and the catalog datasets specs name
   * are looked for in it first (`<dataDir>/<name>/<file>`). @default the working directory
   */
  dataDir?: string;
  /** metatrain's cache: catalog datasets not found elsewhere are downloaded into `<cacheDir>/datasets`, data stored with jobs is fetched into `<cacheDir>/data`. @default $XDG_CACHE_HOME/metatrain, else ~/.cache/metatrain */
  cacheDir?: string;
  /** Download datasets from `<mirror>/<name>/<file>` instead of their official URLs. @default none */
  datasetMirror?: string;
  /**
   * How this worker appears in `metatrain workers`; with a client certificate, bound to its
   * identity (`certifiedWorkerId`). @default `{hostname}-{pid}`, `<identity>:{hostname}-{pid}` with a client certificate
   */
  workerId?: string;
  /** BullMQ key prefix. @default 'metatrain' */
  queuePrefix?: string;
  /** BullMQ queue name. @default 'shards' */
  queueName?: string;
  /**
   * The worker's pool: it takes only the shards of jobs of this pool (`resources.pool`) and
   * of the backend its threads selected, from the queue `{queueName}.{pool}.{backend}`.
   * @default 'default'
   */
  pool?: string;
  /** On close, how long the shard in hand may take before it is handed back. @default 30000 */
  shutdownGraceMs?: number;
  /** BullMQ's lock on the shard in hand: a killed worker's shard is recovered once it expires. @default 30000 */
  lockDurationMs?: number;
  /** How often this worker recovers shards whose lock expired (BullMQ's stalled check). @default 30000 */
  stalledIntervalMs?: number;
  /**
   * Serve `/healthz`, `/readyz` and `/metrics` on this port (0: a free one, see
   * {@link Worker.httpAddress}). @default unset: no HTTP server
   */
  httpPort?: number;
  /** The interface of the HTTP server. @default '0.0.0.0' */
  httpHost?: string;
  /** Test-only faults (faults/test-faults.ts, read from the environment in test mode only). @default none */
  faults?: TestFaults;
  /** Test-only: the compute stub instead of the compute thread (compute/fake-compute-switch.ts, test mode only). @default none */
  fakeCompute?: FakeComputeOptions;
  /** Deadline of unary calls (RegisterWorker, Heartbeat, GetJob). @default 10000 */
  rpcTimeoutMs?: number;
  /** Deadline of the streaming calls (GetParameters, ReportShard). @default 120000 */
  transferTimeoutMs?: number;
  /** Receives the worker's log lines (few: startup, problems). @default one line on stderr */
  log?: Log;
  /** Called once per shard with what became of it (main.ts logs these with METATRAIN_LOG=debug). */
  onShard?: (event: ShardEvent) => void;
  /** Aborts `Worker.create` while it waits for the coordinator or Redis. */
  signal?: AbortSignal;
}

/** {@link WorkerOptions} with every default filled in and checked. */
export interface CompiledWorkerOptions {
  coordinatorAddress: string;
  redisUrl: string;
  backend: BackendName | undefined;
  threads: number;
  token: string | undefined;
  /** Read and checked; undefined: plaintext. */
  tls: ClientTls | undefined;
  dataDir: string;
  cacheDir: string;
  datasetMirror: string | undefined;
  workerId: string;
  queuePrefix: string;
  queueName: string;
  pool: string;
  shutdownGraceMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  httpPort: number | undefined;
  httpHost: string;
  faults: TestFaults | undefined;
  fakeCompute: FakeComputeOptions | undefined;
  rpcTimeoutMs: number;
  transferTimeoutMs: number;
  log: Log;
  onShard: (event: ShardEvent) => void;
  signal: AbortSignal | undefined;
}

/** The variable each option is read from (docs/RUNNING.md). */
export const WORKER_ENV = {
  coordinatorAddress: 'COORDINATOR_ADDR',
  redisUrl: 'REDIS_URL',
  backend: 'METATRAIN_BACKEND',
  threads: 'WORKER_THREADS',
  token: 'METATRAIN_TOKEN',
  tls: 'METATRAIN_TLS',
  tlsCaFile: 'METATRAIN_TLS_CA',
  tlsCertFile: 'WORKER_TLS_CERT',
  tlsKeyFile: 'WORKER_TLS_KEY',
  dataDir: DATASET_ENV.dataDir,
  cacheDir: DATASET_ENV.cacheDir,
  datasetMirror: DATASET_ENV.mirror,
  workerId: 'WORKER_ID',
  queuePrefix: 'METATRAIN_QUEUE_PREFIX',
  queueName: 'METATRAIN_QUEUE_NAME',
  pool: 'WORKER_POOL',
  shutdownGraceMs: 'SHUTDOWN_GRACE_MS',
  lockDurationMs: 'SHARD_LOCK_MS',
  stalledIntervalMs: 'STALLED_INTERVAL_MS',
  httpPort: 'WORKER_HTTP_PORT',
  httpHost: 'BIND_HOST',
} as const satisfies Partial<Record<keyof WorkerOptions, string>>;

/** `debug` adds one log line per shard (main.ts). */
export const WORKER_LOG_ENV = 'METATRAIN_LOG';

/**
 * Every environment variable the worker process reads. Deployment files are checked against
 * this list (test/infra), so a variable read anywhere else would go unchecked: list it here.
 */
export const WORKER_ENV_NAMES: readonly string[] = [...Object.values(WORKER_ENV), WORKER_LOG_ENV, LOG_FORMAT_ENV, ...Object.values(TEST_FAULT_ENV), ...Object.values(FAKE_COMPUTE_ENV)];

// The coordinator's rule for worker ids (it answers INVALID_ARGUMENT otherwise).
const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/** `host:port` with a port from 1 to 65535; an IPv6 host in brackets. */
function isHostPort(text: string): boolean {
  const port = Number(HOST_PORT.exec(text)?.[1]);
  return port >= 1 && port <= 65535;
}

const address = z.string({ error: gotInput('expected host:port') }).refine(isHostPort);
const backend = z.enum(BACKEND_NAMES, { error: gotInput(`expected one of ${BACKEND_NAMES.join(', ')}`) });
const workerId = z.string().regex(WORKER_ID, { error: gotInput(`expected 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`) });
const notEmpty = z.string().min(1, { error: 'must not be empty' });
const queueName = z.string({ error: gotInput('must be non-empty and contain no ":"') }).refine((name) => name !== '' && !name.includes(':'));
const pool = z.string({ error: gotInput(POOL_NAME_RULE) }).regex(POOL_NAME_PATTERN, { error: gotInput(POOL_NAME_RULE) });
const graceMs = z.number({ error: gotInput('expected a non-negative integer of milliseconds') }).int().min(0);
const milliseconds = z.number({ error: gotInput('expected a positive integer of milliseconds') }).int().min(1);
// A bound that catches a typo (WORKER_THREADS=1000) before it starts a thousand backends.
const MAX_THREADS = 256;
const threads = z.number({ error: gotInput(`expected an integer from 1 to ${MAX_THREADS}`) }).int().min(1).max(MAX_THREADS);
const port = z.number({ error: gotInput('expected a port from 0 to 65535') }).int().min(0).max(65535);

/** The options that are checked, with their defaults; the others are taken as given. */
const checkedOptions = z.object({
  tls: z.boolean({ error: gotInput('expected true or false') }).optional(),
  coordinatorAddress: address.default('127.0.0.1:50051'),
  redisUrl: redisUrlSetting.default('redis://127.0.0.1:6379'),
  workerId: workerId.default(() => defaultWorkerId()),
  queuePrefix: notEmpty.default(DEFAULT_QUEUE_PREFIX),
  queueName: queueName.default(DEFAULT_QUEUE_NAME),
  pool: pool.default(DEFAULT_POOL),
  httpHost: notEmpty.default('0.0.0.0'),
  shutdownGraceMs: graceMs.default(30_000),
  lockDurationMs: milliseconds.default(30_000),
  stalledIntervalMs: milliseconds.default(30_000),
  rpcTimeoutMs: milliseconds.default(10_000),
  transferTimeoutMs: milliseconds.default(120_000),
  threads: threads.default(() => availableParallelism()),
  backend: backend.optional(),
  token: notEmpty.optional(),
  httpPort: port.optional(),
});

/** `{hostname}-{pid}`, with characters a worker id cannot hold replaced. */
export function defaultWorkerId(host = hostname(), pid = process.pid): string {
  const safe = host.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100);
  return `${safe || 'worker'}-${pid}`;
}

/**
 * Fills in the defaults and checks every value.
 * @throws {ConfigError} naming the option at fault.
 */
export function compileWorkerOptions(options: WorkerOptions): CompiledWorkerOptions {
  const { tls, backend, token, httpPort, ...checked } = parseConfig(checkedOptions, options);
  // Checks the mirror (a ConfigError naming METATRAIN_DATASET_MIRROR); the cache defaults to the user's.
  const datasets = compileDatasetOptions({ cacheDir: options.cacheDir, mirror: options.datasetMirror });
  const compiledTls = compileTls(options, tls);
  return {
    ...checked,
    workerId: certifiedWorkerId(options.workerId, checked.workerId, compiledTls?.keyPair),
    backend,
    token,
    httpPort,
    tls: compiledTls,
    dataDir: resolve(options.dataDir ?? process.cwd()),
    cacheDir: datasets.cacheDir,
    datasetMirror: datasets.mirror,
    faults: options.faults,
    fakeCompute: options.fakeCompute,
    log: options.log ?? ((line: string) => void process.stderr.write(`${line}\n`)),
    onShard: options.onShard ?? (() => undefined),
    signal: options.signal,
  };
}

/**
 * With a client certificate, the worker id is bound to the certificate's identity, as the
 * coordinator demands (docs/SECURITY.md): unset, it is `<identity>:<hostname>-<pid>`; set, it
 * must be the identity or begin with `<identity>:`. Without one, `checked` (the id or its default).
 * @throws {ConfigError} naming WORKER_ID, or WORKER_TLS_CERT when the identity cannot begin a worker id.
 */
function certifiedWorkerId(given: string | undefined, checked: string, keyPair: KeyPair | undefined): string {
  if (!keyPair) return checked;
  const identity = certificateIdentity(keyPair.cert);
  if (identity === undefined || !WORKER_ID.test(identity)) {
    const named = identity === undefined ? 'names no identity (a CN, or a DNS or URI subjectAltName)' : `names ${JSON.stringify(identity)}`;
    throw new ConfigError(WORKER_ENV.tlsCertFile, `${named}, which cannot begin a worker id: expected 1-128 letters, digits, '.', '_', ':' or '-'`);
  }
  if (given === undefined) return `${identity}:${checked}`.slice(0, 128);
  if (!isBoundWorkerId(given, identity)) throw new ConfigError(WORKER_ENV.workerId, unboundWorkerIdReason(given, identity));
  return given;
}

/**
 * Reads and checks the TLS files. Their errors name the variables (deployments set them).
 * Any TLS file, or `tls: true`, means TLS; none means plaintext.
 */
function compileTls(options: WorkerOptions, tls: boolean | undefined): ClientTls | undefined {
  const { tlsCaFile, tlsCertFile, tlsKeyFile } = options;
  if (tlsCaFile === undefined && tlsCertFile === undefined && tlsKeyFile === undefined) return tls ? { ca: undefined, keyPair: undefined } : undefined;
  const env = WORKER_ENV;
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    const [missing, present] = tlsCertFile === undefined ? [env.tlsCertFile, env.tlsKeyFile] : [env.tlsKeyFile, env.tlsCertFile];
    throw new ConfigError(missing, `required with ${present}`);
  }
  try {
    return {
      ca: tlsCaFile === undefined ? undefined : readCertificates({ path: tlsCaFile, setting: env.tlsCaFile }),
      keyPair: tlsCertFile === undefined || tlsKeyFile === undefined ? undefined : readKeyPair({ path: tlsCertFile, setting: env.tlsCertFile }, { path: tlsKeyFile, setting: env.tlsKeyFile }),
    };
  } catch (err) {
    throw err instanceof TlsFileError ? new ConfigError(err.setting, err.reason) : err;
  }
}

const millisecondsText = integerText('expected a non-negative integer of milliseconds');

/** How the options that are not plain text are read: compileWorkerOptions's checks, naming the variable. */
const fromText = {
  coordinatorAddress: address,
  redisUrl: redisUrlSetting,
  backend: z.string().transform((text) => text.trim().toLowerCase()).pipe(backend),
  tls: z.string().trim().pipe(z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'], error: gotInput('expected true or false') })),
  workerId,
  queueName,
  pool,
  shutdownGraceMs: millisecondsText.pipe(graceMs),
  lockDurationMs: millisecondsText.pipe(milliseconds),
  stalledIntervalMs: millisecondsText.pipe(milliseconds),
  threads: integerText(`expected an integer from 1 to ${MAX_THREADS}`).pipe(threads),
  httpPort: integerText('expected a port from 0 to 65535').pipe(port),
} satisfies EnvFields<typeof WORKER_ENV>;

/**
 * Reads the worker's environment (docs/RUNNING.md). Unset and empty variables take the
 * default, but for secrets: a placeholder or empty METATRAIN_TOKEN, or a placeholder Redis
 * password, is refused (docs/SECURITY.md). Pure: no I/O, `env` is only read.
 * @throws {ConfigError} naming the variable at fault.
 */
export function workerOptionsFromEnv(env: Env): WorkerOptions {
  refuseWeakSecrets(env, { secrets: [WORKER_ENV.token], redisUrls: [WORKER_ENV.redisUrl] });
  return parseEnv(env, WORKER_ENV, fromText);
}
