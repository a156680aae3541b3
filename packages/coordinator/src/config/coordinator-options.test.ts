import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Test-only certificates (openssl), from the package that reads TLS files.
import { makeTestCertificates, type TestCertificates } from '@metatrain/contract/testing';
import { ConfigError } from '@metatrain/core';
import { userCacheDir } from '@metatrain/datasets';
import { DEFAULT_SPEC_LIMITS } from '../jobs/spec-limits';
import { compileCoordinatorOptions, COORDINATOR_ENV, coordinatorOptionsFromEnv } from './coordinator-options';

let certs: TestCertificates;
beforeAll(async () => {
  certs = await makeTestCertificates();
});
afterAll(() => certs.close());

describe('coordinator TLS and limits options', () => {
  it('reads GRPC_TLS_* and the MAX_* limits from the environment', () => {
    const options = coordinatorOptionsFromEnv({
      GRPC_TLS_CERT: certs.serverCert,
      GRPC_TLS_KEY: certs.serverKey,
      GRPC_TLS_CLIENT_CA: certs.caCert,
      MAX_META_BATCH_SIZE: '64',
      MAX_MODEL_PARAMETERS: '2000000',
      MAX_TASK_EXAMPLES: '',
    });
    expect(options).toMatchObject({ tlsCertFile: certs.serverCert, tlsKeyFile: certs.serverKey, tlsClientCaFile: certs.caCert, limits: { maxMetaBatchSize: 64, maxModelParameters: 2_000_000 } });
    const compiled = compileCoordinatorOptions(options);
    expect(compiled.limits).toEqual({ ...DEFAULT_SPEC_LIMITS, maxMetaBatchSize: 64, maxModelParameters: 2_000_000 });
    expect(compiled.tls?.clientCa).toBeInstanceOf(Buffer);
    expect(compileCoordinatorOptions({}).tls).toBeUndefined();
  });

  it('names the variable of a bad limit or TLS setting', () => {
    expect(() => coordinatorOptionsFromEnv({ MAX_META_BATCH_SIZE: '0' })).toThrow(new ConfigError('MAX_META_BATCH_SIZE', 'expected a positive integer, got "0"'));
    expect(() => coordinatorOptionsFromEnv({ MAX_ROUND_BYTES: '1e9' })).toThrow(new ConfigError('MAX_ROUND_BYTES', 'expected a non-negative integer, got "1e9"'));
    expect(() => compileCoordinatorOptions({ limits: { maxTaskExamples: 0.5 } })).toThrow(new ConfigError('limits.maxTaskExamples', 'expected a positive integer, got 0.5'));
    expect(() => compileCoordinatorOptions({ tlsClientCaFile: certs.caCert })).toThrow(
      new ConfigError('GRPC_TLS_CLIENT_CA', 'needs GRPC_TLS_CERT and GRPC_TLS_KEY: mutual TLS is TLS with client certificates'),
    );
    expect(() => compileCoordinatorOptions({ tlsKeyFile: certs.serverKey })).toThrow(new ConfigError('GRPC_TLS_CERT', 'required with GRPC_TLS_KEY'));
    expect(() => compileCoordinatorOptions({ tlsCertFile: certs.serverCert, tlsKeyFile: certs.workerKey })).toThrow(/^GRPC_TLS_KEY: .* is not the private key of the certificate in GRPC_TLS_CERT$/);
    expect(() => compileCoordinatorOptions({ tlsCertFile: certs.serverCert, tlsKeyFile: certs.serverKey, tlsClientCaFile: '/nope' })).toThrow(
      new ConfigError('GRPC_TLS_CLIENT_CA', 'cannot read "/nope" (ENOENT)'),
    );
  });

  it('lists every variable it reads', () => {
    expect(Object.values(COORDINATOR_ENV)).toEqual(
      expect.arrayContaining(['GRPC_TLS_CERT', 'GRPC_TLS_KEY', 'GRPC_TLS_CLIENT_CA', 'MAX_META_BATCH_SIZE', 'MAX_MODEL_PARAMETERS', 'MAX_TASK_EXAMPLES', 'MAX_ROUND_BYTES', 'METATRAIN_TOKEN']),
    );
  });

  it('fills in the documented defaults', () => {
    const compiled = compileCoordinatorOptions({});
    expect(compiled).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      storage: {},
      grpcPort: 50051,
      httpPort: 8080,
      host: '0.0.0.0',
      dataDir: process.cwd(),
      cacheDir: userCacheDir(),
      datasetMirror: undefined,
      token: undefined,
      queuePrefix: 'metatrain',
      queueName: 'shards',
      defaultBackend: undefined,
      shardDeadlineMs: 120_000,
      leaseTtlMs: 15_000,
      workerHeartbeatMs: 5_000,
      workerLeaseMs: 15_000,
      quarantineAfter: 3,
      storageRetryDeadlineMs: 30_000,
      limits: DEFAULT_SPEC_LIMITS,
    });
    expect(compileCoordinatorOptions(coordinatorOptionsFromEnv({ GRPC_PORT: '0', QUARANTINE_AFTER: '0' }))).toMatchObject({ grpcPort: 0, quarantineAfter: 0, token: undefined });
  });

  it('refuses placeholder, guessable and empty secrets, naming the variable and how to make one', () => {
    const made = 'make one with `openssl rand -hex 32` (docs/DEPLOY.md, "Secrets")';
    // An emptied Secret key must not turn the token off: only an unset METATRAIN_TOKEN does.
    expect(() => coordinatorOptionsFromEnv({ METATRAIN_TOKEN: '' })).toThrow(new ConfigError('METATRAIN_TOKEN', `is set but empty; ${made}`));
    expect(() => coordinatorOptionsFromEnv({ METATRAIN_TOKEN: 'replace-with-a-long-random-token' })).toThrow(/^METATRAIN_TOKEN: is a placeholder/);
    expect(() => coordinatorOptionsFromEnv({ S3_SECRET_KEY: 'change-me' })).toThrow(/^S3_SECRET_KEY: is a placeholder/);
    expect(() => coordinatorOptionsFromEnv({ REDIS_URL: 'redis://:replace-with-a-long-random-password@metatrain-redis:6379' })).toThrow(/^REDIS_URL: its password is a placeholder/);
    expect(coordinatorOptionsFromEnv({ METATRAIN_TOKEN: 'f1e2d3c4b5a6f7e8d9c0', REDIS_URL: 'redis://:0a9b8c7d6e5f@redis:6379' })).toMatchObject({ token: 'f1e2d3c4b5a6f7e8d9c0' });
  });

  it('reads METATRAIN_DEFAULT_BACKEND, naming it when it is no backend', () => {
    expect(compileCoordinatorOptions(coordinatorOptionsFromEnv({ METATRAIN_DEFAULT_BACKEND: ' WASM ' })).defaultBackend).toBe('wasm');
    expect(() => coordinatorOptionsFromEnv({ METATRAIN_DEFAULT_BACKEND: 'gpu' })).toThrow(new ConfigError('METATRAIN_DEFAULT_BACKEND', 'expected one of tensorflow, wasm, cpu, got "gpu"'));
  });

  it('reads where datasets go and come from, and refuses a mirror that is not a URL', () => {
    const env = { METATRAIN_DATA_DIR: '/data', METATRAIN_CACHE_DIR: '/cache', METATRAIN_DATASET_MIRROR: 'http://mirror.local/datasets/' };
    expect(compileCoordinatorOptions(coordinatorOptionsFromEnv(env))).toMatchObject({ dataDir: '/data', cacheDir: '/cache', datasetMirror: 'http://mirror.local/datasets' });
    expect(() => compileCoordinatorOptions(coordinatorOptionsFromEnv({ METATRAIN_DATASET_MIRROR: 'mirror.local' }))).toThrow(
      new ConfigError('METATRAIN_DATASET_MIRROR', 'expected an http:// or https:// URL, got "mirror.local"'),
    );
  });

  it('names the option at fault, or the variable it was read from', () => {
    expect(() => compileCoordinatorOptions({ grpcPort: 70000 })).toThrow(new ConfigError('grpcPort', 'expected a port number 0-65535, got 70000'));
    expect(() => compileCoordinatorOptions({ leaseTtlMs: 0 })).toThrow(new ConfigError('leaseTtlMs', 'expected a positive integer of milliseconds, got 0'));
    expect(() => compileCoordinatorOptions({ quarantineAfter: -1 })).toThrow(new ConfigError('quarantineAfter', 'expected a non-negative integer, got -1'));
    expect(() => compileCoordinatorOptions({ redisUrl: 'http://user:secret@redis' })).toThrow(new ConfigError('redisUrl', 'expected a redis:// or rediss:// URL'));
    expect(() => compileCoordinatorOptions({ token: '' })).toThrow(new ConfigError('token', 'is empty; leave it unset to serve without a token'));
    expect(() => coordinatorOptionsFromEnv({ HTTP_PORT: '65536' })).toThrow(new ConfigError('HTTP_PORT', 'expected a port number 0-65535, got 65536'));
    expect(() => coordinatorOptionsFromEnv({ SHARD_DEADLINE_MS: '2m' })).toThrow(new ConfigError('SHARD_DEADLINE_MS', 'expected a non-negative integer, got "2m"'));
    expect(() => coordinatorOptionsFromEnv({ WORKER_LEASE_MS: '0' })).toThrow(new ConfigError('WORKER_LEASE_MS', 'expected a positive integer of milliseconds, got 0'));
    expect(() => coordinatorOptionsFromEnv({ REDIS_URL: 'http://user:secret@redis' })).toThrow(new ConfigError('REDIS_URL', 'expected a redis:// or rediss:// URL'));
  });
});
