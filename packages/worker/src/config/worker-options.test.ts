import { availableParallelism } from 'node:os';
import { ConfigError } from '@metatrain/core';
import { userCacheDir } from '@metatrain/datasets';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Test-only certificates (openssl), from the package that reads TLS files.
import { makeTestCertificates, type TestCertificates } from '@metatrain/contract/testing';
import { compileWorkerOptions, defaultWorkerId, WORKER_ENV, workerOptionsFromEnv } from './worker-options';

describe('workerOptionsFromEnv', () => {
  it('reads every variable of docs/RUNNING.md', () => {
    const options = workerOptionsFromEnv({
      COORDINATOR_ADDR: 'coordinator.metatrain.svc:50051',
      REDIS_URL: 'redis://:pw@redis:6379/2',
      METATRAIN_BACKEND: 'WASM',
      METATRAIN_TOKEN: 't0ken',
      METATRAIN_DATA_DIR: '/data',
      WORKER_ID: 'gpu-node-3',
      METATRAIN_QUEUE_PREFIX: 'mt-prod',
      METATRAIN_QUEUE_NAME: 'shards-2',
      WORKER_POOL: 'gpu-a100',
      SHUTDOWN_GRACE_MS: '45000',
      SHARD_LOCK_MS: '5000',
      STALLED_INTERVAL_MS: '2000',
      WORKER_HTTP_PORT: '9091',
      BIND_HOST: '127.0.0.1',
      METATRAIN_CACHE_DIR: '/cache',
      UNRELATED: 'x',
    });
    expect(options).toEqual({
      coordinatorAddress: 'coordinator.metatrain.svc:50051',
      redisUrl: 'redis://:pw@redis:6379/2',
      backend: 'wasm',
      token: 't0ken',
      dataDir: '/data',
      workerId: 'gpu-node-3',
      queuePrefix: 'mt-prod',
      queueName: 'shards-2',
      pool: 'gpu-a100',
      shutdownGraceMs: 45000,
      lockDurationMs: 5000,
      stalledIntervalMs: 2000,
      httpPort: 9091,
      httpHost: '127.0.0.1',
      cacheDir: '/cache',
    });
  });

  it('leaves unset and empty variables to the defaults', () => {
    expect(workerOptionsFromEnv({ REDIS_URL: '', WORKER_ID: undefined })).toEqual({});
    const compiled = compileWorkerOptions(workerOptionsFromEnv({}));
    expect(compiled).toMatchObject({
      coordinatorAddress: '127.0.0.1:50051',
      redisUrl: 'redis://127.0.0.1:6379',
      backend: undefined,
      token: undefined,
      dataDir: process.cwd(),
      cacheDir: userCacheDir(),
      datasetMirror: undefined,
      queuePrefix: 'metatrain',
      queueName: 'shards',
      pool: 'default',
      shutdownGraceMs: 30000,
      lockDurationMs: 30000,
      stalledIntervalMs: 30000,
      httpPort: undefined,
      httpHost: '0.0.0.0',
      faults: undefined,
    });
    expect(compiled.workerId).toMatch(new RegExp(`-${process.pid}$`));
  });

  it.each([
    ['COORDINATOR_ADDR', 'localhost', 'COORDINATOR_ADDR: expected host:port, got "localhost"'],
    ['COORDINATOR_ADDR', 'host:99999', 'COORDINATOR_ADDR: expected host:port, got "host:99999"'],
    ['REDIS_URL', 'http://user:secret@redis', 'REDIS_URL: expected a redis:// or rediss:// URL'],
    ['METATRAIN_BACKEND', 'gpu', 'METATRAIN_BACKEND: expected one of tensorflow, wasm, cpu, got "gpu"'],
    ['WORKER_ID', 'has space', `WORKER_ID: expected 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit, got "has space"`],
    ['METATRAIN_QUEUE_NAME', 'a:b', 'METATRAIN_QUEUE_NAME: must be non-empty and contain no ":", got "a:b"'],
    ['WORKER_POOL', 'GPU', 'WORKER_POOL: expected a pool name: 1-32 lowercase letters, digits and dashes, not starting or ending with a dash, got "GPU"'],
    ['SHUTDOWN_GRACE_MS', '5s', 'SHUTDOWN_GRACE_MS: expected a non-negative integer of milliseconds, got "5s"'],
    ['SHARD_LOCK_MS', '0', 'SHARD_LOCK_MS: expected a positive integer of milliseconds, got 0'],
    ['WORKER_HTTP_PORT', 'http', 'WORKER_HTTP_PORT: expected a port from 0 to 65535, got "http"'],
    ['WORKER_HTTP_PORT', '65536', 'WORKER_HTTP_PORT: expected a port from 0 to 65535, got 65536'],
  ])('names the variable: %s=%s', (name, value, message) => {
    expect(() => workerOptionsFromEnv({ [name]: value })).toThrow(new ConfigError(name, message.slice(name.length + 2)));
  });

  it('refuses a placeholder or empty METATRAIN_TOKEN and a placeholder Redis password, naming the variable', () => {
    expect(() => workerOptionsFromEnv({ METATRAIN_TOKEN: ' ' })).toThrow(/^METATRAIN_TOKEN: is set but empty; make one with `openssl rand -hex 32`/);
    expect(() => workerOptionsFromEnv({ METATRAIN_TOKEN: 'changeme' })).toThrow(/^METATRAIN_TOKEN: is a placeholder or a well-known value, which anyone can guess/);
    expect(() => workerOptionsFromEnv({ REDIS_URL: 'redis://:secret@redis:6379' })).toThrow(/^REDIS_URL: its password is a placeholder/);
  });

  it('never echoes a Redis URL, which may hold a password', () => {
    expect(() => workerOptionsFromEnv({ REDIS_URL: 'http://user:secret@redis' })).toThrow(/^(?!.*secret)/);
  });

  it('reads where datasets go and come from, and refuses a mirror that is not a URL', () => {
    const env = { METATRAIN_DATA_DIR: '/data', METATRAIN_CACHE_DIR: '/cache', METATRAIN_DATASET_MIRROR: 'https://mirror.local/' };
    expect(compileWorkerOptions(workerOptionsFromEnv(env))).toMatchObject({ dataDir: '/data', cacheDir: '/cache', datasetMirror: 'https://mirror.local' });
    expect(() => compileWorkerOptions(workerOptionsFromEnv({ METATRAIN_DATASET_MIRROR: 'file:///srv' }))).toThrow(
      new ConfigError('METATRAIN_DATASET_MIRROR', 'expected an http:// or https:// URL, got "file:///srv"'),
    );
  });

  it('maps every option it reads to a variable', () => {
    expect(Object.values(WORKER_ENV).sort()).toEqual(
      [
        'COORDINATOR_ADDR', 'METATRAIN_BACKEND', 'METATRAIN_DATA_DIR', 'METATRAIN_QUEUE_NAME', 'METATRAIN_QUEUE_PREFIX', 'METATRAIN_TOKEN', 'REDIS_URL', 'SHUTDOWN_GRACE_MS', 'WORKER_ID',
        'METATRAIN_TLS', 'METATRAIN_TLS_CA', 'WORKER_TLS_CERT', 'WORKER_TLS_KEY', 'SHARD_LOCK_MS', 'STALLED_INTERVAL_MS',
        'WORKER_HTTP_PORT', 'BIND_HOST', 'METATRAIN_CACHE_DIR', 'METATRAIN_DATASET_MIRROR', 'WORKER_THREADS', 'WORKER_POOL',
      ].sort(),
    );
  });
});

describe('compileWorkerOptions', () => {
  it('names the option at fault', () => {
    expect(() => compileWorkerOptions({ shutdownGraceMs: -1 })).toThrow(new ConfigError('shutdownGraceMs', 'expected a non-negative integer of milliseconds, got -1'));
    expect(() => compileWorkerOptions({ rpcTimeoutMs: 0 })).toThrow(new ConfigError('rpcTimeoutMs', 'expected a positive integer of milliseconds, got 0'));
    expect(() => compileWorkerOptions({ coordinatorAddress: '[::1]:50051', token: '' })).toThrow(new ConfigError('token', 'must not be empty'));
  });

  it('checks the options as their variables are checked', () => {
    expect(() => compileWorkerOptions({ coordinatorAddress: 'localhost' })).toThrow(new ConfigError('coordinatorAddress', 'expected host:port, got "localhost"'));
    expect(() => compileWorkerOptions({ workerId: '-x' })).toThrow(new ConfigError('workerId', `expected 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit, got "-x"`));
    expect(() => compileWorkerOptions({ httpPort: 65536 })).toThrow(new ConfigError('httpPort', 'expected a port from 0 to 65535, got 65536'));
    expect(() => compileWorkerOptions({ queuePrefix: '' })).toThrow(new ConfigError('queuePrefix', 'must not be empty'));
    expect(() => compileWorkerOptions({ threads: 0 })).toThrow(new ConfigError('threads', 'expected an integer from 1 to 256, got 0'));
    expect(() => workerOptionsFromEnv({ WORKER_THREADS: 'two' })).toThrow(new ConfigError('WORKER_THREADS', 'expected an integer from 1 to 256, got "two"'));
    expect(workerOptionsFromEnv({ WORKER_THREADS: '3' }).threads).toBe(3);
    expect(compileWorkerOptions({}).threads).toBe(availableParallelism());
    expect(compileWorkerOptions({ httpPort: 0, shutdownGraceMs: 0 })).toMatchObject({ httpPort: 0, shutdownGraceMs: 0, rpcTimeoutMs: 10_000, transferTimeoutMs: 120_000 });
  });

  it('accepts IPv6 addresses and resolves the data directory', () => {
    expect(compileWorkerOptions({ coordinatorAddress: '[::1]:50051', dataDir: 'data' })).toMatchObject({ coordinatorAddress: '[::1]:50051', dataDir: `${process.cwd()}/data` });
  });
});

describe('defaultWorkerId', () => {
  it('is {hostname}-{pid}, made acceptable to the coordinator', () => {
    expect(defaultWorkerId('gpu-node-3.cluster.local', 42)).toBe('gpu-node-3.cluster.local-42');
    expect(defaultWorkerId('_weird host!', 7)).toBe('weird-host--7');
    expect(defaultWorkerId('', 7)).toBe('worker-7');
  });
});

describe('TLS options', () => {
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeTestCertificates();
  });
  afterAll(() => certs.close());

  it('reads METATRAIN_TLS_CA, WORKER_TLS_CERT and WORKER_TLS_KEY, and checks the files at compile', () => {
    const env = { METATRAIN_TLS_CA: certs.caCert, WORKER_TLS_CERT: certs.workerCert, WORKER_TLS_KEY: certs.workerKey };
    const options = workerOptionsFromEnv(env);
    expect(options).toEqual({ tlsCaFile: certs.caCert, tlsCertFile: certs.workerCert, tlsKeyFile: certs.workerKey });
    const { tls } = compileWorkerOptions(options);
    expect(tls?.ca?.equals(readFileSync(certs.caCert))).toBe(true);
    expect(tls?.keyPair?.cert.equals(readFileSync(certs.workerCert))).toBe(true);
  });

  it('binds the worker id to the client certificate: <CN>:{hostname}-{pid} by default, WORKER_ID refused unless bound', () => {
    const mtls = { tlsCaFile: certs.caCert, tlsCertFile: certs.workerCert, tlsKeyFile: certs.workerKey };
    expect(compileWorkerOptions(mtls).workerId).toBe(`worker:${defaultWorkerId()}`);
    expect(compileWorkerOptions({ ...mtls, workerId: 'worker' }).workerId).toBe('worker');
    expect(compileWorkerOptions({ ...mtls, workerId: 'worker:pod-a' }).workerId).toBe('worker:pod-a');
    expect(() => compileWorkerOptions({ ...mtls, workerId: 'worker-b:pod-a' })).toThrow(
      new ConfigError('WORKER_ID', '"worker-b:pod-a" is not bound to the client certificate\'s identity "worker": with mutual TLS a worker id is that identity or begins with "worker:"'),
    );
    const sanOnly = { ...mtls, tlsCertFile: certs.sanOnlyCert, tlsKeyFile: certs.sanOnlyKey };
    expect(compileWorkerOptions({ ...sanOnly, workerId: 'san-worker.metatrain:pod-d' }).workerId).toBe('san-worker.metatrain:pod-d');
    // Without a client certificate there is nothing to bind to.
    expect(compileWorkerOptions({ tlsCaFile: certs.caCert, workerId: 'anything' }).workerId).toBe('anything');
  });

  it('uses plaintext without TLS settings, the system roots with METATRAIN_TLS=true', () => {
    expect(compileWorkerOptions({}).tls).toBeUndefined();
    expect(compileWorkerOptions(workerOptionsFromEnv({ METATRAIN_TLS: 'false' })).tls).toBeUndefined();
    expect(compileWorkerOptions(workerOptionsFromEnv({ METATRAIN_TLS: 'TRUE' })).tls).toEqual({ ca: undefined, keyPair: undefined });
    expect(() => workerOptionsFromEnv({ METATRAIN_TLS: 'maybe' })).toThrow(new ConfigError('METATRAIN_TLS', 'expected true or false, got "maybe"'));
    expect(workerOptionsFromEnv({ METATRAIN_TLS: ' Yes ' })).toEqual({ tls: true });
    expect(workerOptionsFromEnv({ METATRAIN_TLS: '0' })).toEqual({ tls: false });
  });

  it('names the variable of a missing, unreadable or mismatched file', () => {
    expect(() => compileWorkerOptions({ tlsCertFile: certs.workerCert })).toThrow(new ConfigError('WORKER_TLS_KEY', 'required with WORKER_TLS_CERT'));
    expect(() => compileWorkerOptions({ tlsCaFile: '/no/such/ca.pem' })).toThrow(new ConfigError('METATRAIN_TLS_CA', 'cannot read "/no/such/ca.pem" (ENOENT)'));
    expect(() => compileWorkerOptions({ tlsCertFile: certs.workerCert, tlsKeyFile: certs.serverKey })).toThrow(
      new ConfigError('WORKER_TLS_KEY', `${JSON.stringify(certs.serverKey)} is not the private key of the certificate in WORKER_TLS_CERT`),
    );
  });
});
