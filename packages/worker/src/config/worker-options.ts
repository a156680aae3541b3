import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { BACKEND_NAMES, type BackendName, ConfigError } from '@metatrain/core';
import { type ClientTls, DEFAULT_QUEUE_NAME, DEFAULT_QUEUE_PREFIX, readCertificates, readKeyPair, TlsFileError } from '@metatrain/contract';
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
  /** Relative dataset paths in specs resolve against it. @default the working directory */
  dataDir?: string;
  /** How this worker appears in `metatrain workers`. @default `{hostname}-{pid}` */
  workerId?: string;
  /** BullMQ key prefix. @default 'metatrain' */
  queuePrefix?: string;
  /** BullMQ queue name. @default 'shards' */
  queueName?: string;
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
  /** Deadline of unary calls (RegisterWorker, Heartbeat, GetJob). @default 10000 */
  rpcTimeoutMs?: number;
  /** Deadline of the streaming calls (GetParameters, ReportShard). @default 120000 */
  transferTimeoutMs?: number;
  /** Receives the worker's log lines (few: startup, problems). @default one line on stderr */
  log?: (line: string) => void;
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
  token: string | undefined;
  /** Read and checked; undefined: plaintext. */
  tls: ClientTls | undefined;
  dataDir: string;
  workerId: string;
  queuePrefix: string;
  queueName: string;
  shutdownGraceMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  httpPort: number | undefined;
  httpHost: string;
  faults: TestFaults | undefined;
  rpcTimeoutMs: number;
  transferTimeoutMs: number;
  log: (line: string) => void;
  onShard: (event: ShardEvent) => void;
  signal: AbortSignal | undefined;
}

/** The variable each option is read from (docs/RUNNING.md). */
export const WORKER_ENV = {
  coordinatorAddress: 'COORDINATOR_ADDR',
  redisUrl: 'REDIS_URL',
  backend: 'METATRAIN_BACKEND',
  token: 'METATRAIN_TOKEN',
  tls: 'METATRAIN_TLS',
  tlsCaFile: 'METATRAIN_TLS_CA',
  tlsCertFile: 'WORKER_TLS_CERT',
  tlsKeyFile: 'WORKER_TLS_KEY',
  dataDir: 'METATRAIN_DATA_DIR',
  workerId: 'WORKER_ID',
  queuePrefix: 'METATRAIN_QUEUE_PREFIX',
  queueName: 'METATRAIN_QUEUE_NAME',
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
export const WORKER_ENV_NAMES: readonly string[] = [...Object.values(WORKER_ENV), WORKER_LOG_ENV, ...Object.values(TEST_FAULT_ENV)];

type EnvOption = keyof typeof WORKER_ENV;

// The coordinator's rule for worker ids (it answers INVALID_ARGUMENT otherwise).
const WORKER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/** Why `value` is not a valid `option`, or undefined when it is. Shared by both entry points. */
function problem(option: EnvOption | 'rpcTimeoutMs' | 'transferTimeoutMs', value: unknown): string | undefined {
  switch (option) {
    case 'coordinatorAddress': {
      const port = HOST_PORT.exec(String(value))?.[1];
      return port !== undefined && Number(port) >= 1 && Number(port) <= 65535 ? undefined : `expected host:port, got ${JSON.stringify(value)}`;
    }
    case 'redisUrl':
      // Never echo the URL: it may hold a password.
      return /^rediss?:\/\/\S*$/.test(String(value)) ? undefined : 'expected a redis:// or rediss:// URL';
    case 'backend':
      return (BACKEND_NAMES as readonly unknown[]).includes(value) ? undefined : `expected one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(value)}`;
    case 'workerId':
      return WORKER_ID.test(String(value)) ? undefined : `expected 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit, got ${JSON.stringify(value)}`;
    case 'queuePrefix':
    case 'httpHost':
      return value !== '' ? undefined : 'must not be empty';
    case 'httpPort':
      return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 65535 ? undefined : `expected a port from 0 to 65535, got ${String(value)}`;
    case 'queueName':
      return value !== '' && !String(value).includes(':') ? undefined : `must be non-empty and contain no ":", got ${JSON.stringify(value)}`;
    case 'shutdownGraceMs':
      return Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : `expected a non-negative integer of milliseconds, got ${String(value)}`;
    case 'lockDurationMs':
    case 'stalledIntervalMs':
    case 'rpcTimeoutMs':
    case 'transferTimeoutMs':
      return Number.isSafeInteger(value) && (value as number) > 0 ? undefined : `expected a positive integer of milliseconds, got ${String(value)}`;
    case 'token':
      return value !== '' ? undefined : 'must not be empty';
    case 'tls':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${JSON.stringify(value)}`;
    case 'dataDir':
    case 'tlsCaFile':
    case 'tlsCertFile':
    case 'tlsKeyFile':
      return undefined;
  }
}

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
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const tlsProblem = options.tls === undefined ? undefined : problem('tls', options.tls);
  if (tlsProblem) throw new ConfigError('tls', tlsProblem);
  const compiled: CompiledWorkerOptions = {
    coordinatorAddress: options.coordinatorAddress ?? '127.0.0.1:50051',
    redisUrl: options.redisUrl ?? 'redis://127.0.0.1:6379',
    backend: options.backend,
    token: options.token,
    tls: compileTls(options),
    dataDir: resolve(options.dataDir ?? process.cwd()),
    workerId: options.workerId ?? defaultWorkerId(),
    queuePrefix: options.queuePrefix ?? DEFAULT_QUEUE_PREFIX,
    queueName: options.queueName ?? DEFAULT_QUEUE_NAME,
    shutdownGraceMs: options.shutdownGraceMs ?? 30_000,
    lockDurationMs: options.lockDurationMs ?? 30_000,
    stalledIntervalMs: options.stalledIntervalMs ?? 30_000,
    httpPort: options.httpPort,
    httpHost: options.httpHost ?? '0.0.0.0',
    faults: options.faults,
    rpcTimeoutMs: options.rpcTimeoutMs ?? 10_000,
    transferTimeoutMs: options.transferTimeoutMs ?? 120_000,
    log,
    onShard: options.onShard ?? (() => undefined),
    signal: options.signal,
  };
  const checked = ['coordinatorAddress', 'redisUrl', 'workerId', 'queuePrefix', 'queueName', 'httpHost', 'shutdownGraceMs', 'lockDurationMs', 'stalledIntervalMs', 'rpcTimeoutMs', 'transferTimeoutMs'] as const;
  for (const option of checked) {
    const why = problem(option, compiled[option]);
    if (why) throw new ConfigError(option, why);
  }
  for (const option of ['backend', 'token', 'httpPort'] as const) {
    const why = compiled[option] === undefined ? undefined : problem(option, compiled[option]);
    if (why) throw new ConfigError(option, why);
  }
  return compiled;
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

/**
 * Reads and checks the TLS files. Their errors name the variables (deployments set them).
 * Any TLS file, or `tls: true`, means TLS; none means plaintext.
 */
function compileTls(options: WorkerOptions): ClientTls | undefined {
  const { tlsCaFile, tlsCertFile, tlsKeyFile } = options;
  if (tlsCaFile === undefined && tlsCertFile === undefined && tlsKeyFile === undefined) return options.tls ? { ca: undefined, keyPair: undefined } : undefined;
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

/**
 * Reads the worker's environment (docs/RUNNING.md). Unset and empty variables take the
 * default. Pure: no I/O, `env` is only read.
 * @throws {ConfigError} naming the variable at fault.
 */
export function workerOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): WorkerOptions {
  const options: WorkerOptions = {};
  for (const option of Object.keys(WORKER_ENV) as EnvOption[]) {
    const name = WORKER_ENV[option];
    const text = env[name];
    if (text === undefined || text === '') continue;
    let value: string | number | boolean = text;
    if (option === 'shutdownGraceMs' || option === 'lockDurationMs' || option === 'stalledIntervalMs') {
      if (!/^\d+$/.test(text)) throw new ConfigError(name, `expected a non-negative integer of milliseconds, got ${JSON.stringify(text)}`);
      value = Number(text);
    } else if (option === 'httpPort') {
      if (!/^\d+$/.test(text)) throw new ConfigError(name, `expected a port from 0 to 65535, got ${JSON.stringify(text)}`);
      value = Number(text);
    } else if (option === 'tls') {
      const flag = BOOLEAN_TEXT[text.trim().toLowerCase()];
      if (flag === undefined) throw new ConfigError(name, `expected true or false, got ${JSON.stringify(text)}`);
      value = flag;
    } else if (option === 'backend') {
      value = text.trim().toLowerCase();
    }
    const why = problem(option, value);
    if (why) throw new ConfigError(name, why);
    (options as Record<EnvOption, unknown>)[option] = value;
  }
  return options;
}
