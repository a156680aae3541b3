import { BACKEND_ENV, type Env, type EnvFields, gotInput, integerText, LOG_FORMAT_ENV, parseConfig, parseEnv, refuseWeakSecrets } from '@metatrain/core';
import { z } from 'zod';
import type { AdaptEngineOptions } from './engine/adapt-engine';

/** `metatrain serve`'s configuration (docs/RUNNING.md); all optional. */
export interface ServeOptions extends AdaptEngineOptions {
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 8080; 0 picks a free port */
  port?: number;
  /** When set, every route but /healthz and /readyz needs `Authorization: Bearer <token>`. */
  token?: string;
  /** A request not answered by then is answered 504, in ms. @default 10000 */
  deadlineMs?: number;
  /** Largest request body, in bytes; larger is 413. @default 8 MiB */
  maxBodyBytes?: number;
  /** Most examples (support and query together) in one request; more is 413. @default 10000 */
  maxExamples?: number;
  /** Adapted models kept for `/v1/adapted/{id}:predict` (least recently used go first). @default 1000 */
  adaptedCacheSize?: number;
  /** How long an adapted model is kept after its last use, in ms. @default 600000 (10 minutes) */
  adaptedTtlMs?: number;
}

export type CompiledServeOptions = Required<Omit<ServeOptions, 'token' | keyof AdaptEngineOptions>> & Pick<ServeOptions, 'token'> & { engine: AdaptEngineOptions };

const positive = z.number().int().min(1, { error: gotInput('expected a positive integer') });

const checked = z.object({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65535, { error: gotInput('expected a port, 0 to 65535') }).default(8080),
  token: z.string().min(1, { error: 'is empty; leave it unset to serve without a token' }).optional(),
  deadlineMs: positive.default(10_000),
  maxBodyBytes: positive.default(8 * 1024 * 1024),
  maxExamples: positive.default(10_000),
  adaptedCacheSize: positive.default(1000),
  adaptedTtlMs: positive.default(600_000),
});

/** Fills in the defaults and checks every value. @throws {ConfigError} naming the option */
export function compileServeOptions(options: ServeOptions): CompiledServeOptions {
  const { threads, batchWindowMs, maxBatch, batching, queueLimit, log, onComputation, ...rest } = options;
  const engine: AdaptEngineOptions = { threads, batchWindowMs, maxBatch, batching, queueLimit, log, onComputation };
  for (const key of Object.keys(engine) as Array<keyof AdaptEngineOptions>) if (engine[key] === undefined) delete engine[key];
  return { ...parseConfig(checked, rest), engine };
}

/** The variables `metatrain serve` reads, by option. */
export const SERVE_ENV = {
  host: 'SERVE_HOST',
  port: 'SERVE_PORT',
  token: 'METATRAIN_TOKEN',
  threads: 'SERVE_THREADS',
  batchWindowMs: 'SERVE_BATCH_WINDOW_MS',
  maxBatch: 'SERVE_MAX_BATCH',
  batching: 'SERVE_BATCHING',
  queueLimit: 'SERVE_QUEUE_LIMIT',
  deadlineMs: 'SERVE_DEADLINE_MS',
  maxBodyBytes: 'SERVE_MAX_BODY_BYTES',
  maxExamples: 'SERVE_MAX_EXAMPLES',
  adaptedCacheSize: 'SERVE_ADAPTED_CACHE_SIZE',
  adaptedTtlMs: 'SERVE_ADAPTED_TTL_MS',
} as const;

/**
 * Every variable the serve process reads: SERVE_ENV, LOG_FORMAT and SERVE_MODELS (main.ts), the S3 settings
 * of s3:// sources, and METATRAIN_BACKEND (the compute threads' backend).
 */
export const SERVE_ENV_NAMES: readonly string[] = [...Object.values(SERVE_ENV), LOG_FORMAT_ENV, 'SERVE_MODELS', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_REGION', BACKEND_ENV];

const count = integerText('expected a positive integer').pipe(positive);
const fromText = {
  port: integerText('expected a port, 0 to 65535').pipe(z.number().max(65535, { error: gotInput('expected a port, 0 to 65535') })),
  threads: count,
  batchWindowMs: integerText('expected a non-negative integer (milliseconds)'),
  maxBatch: count,
  batching: z.enum(['on', 'off'], { error: gotInput('expected on or off') }).transform((v) => v === 'on'),
  queueLimit: count,
  deadlineMs: count,
  maxBodyBytes: count,
  maxExamples: count,
  adaptedCacheSize: count,
  adaptedTtlMs: count,
} satisfies EnvFields<typeof SERVE_ENV>;

/**
 * Reads `metatrain serve`'s environment (docs/RUNNING.md), refusing placeholder secrets (docs/SECURITY.md).
 * @throws {ConfigError} naming the variable
 */
export function serveOptionsFromEnv(env: Env): ServeOptions {
  refuseWeakSecrets(env, { secrets: [SERVE_ENV.token, 'S3_SECRET_KEY'] });
  return parseEnv(env, SERVE_ENV, fromText) as ServeOptions;
}
