import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grpc, JobServiceClient, WorkerServiceClient } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, outcome, unary } from '../support/grpc-calls';
import { type MtlsCoordinator, startMtlsCoordinator } from '../support/mtls-coordinator';
import { runCli } from '../support/run-cli';

// GRPC_TLS_CERT/KEY: the gRPC server speaks TLS only. GRPC_TLS_CLIENT_CA: WorkerService also
// needs a client certificate signed by that CA; JobService (the CLI) needs none. All over real
// sockets, with certificates this run generated.

const TOKEN = 'tls-test-token';
let tls: MtlsCoordinator;

const pem = (path: string) => readFileSync(path);

const register = (workers: WorkerServiceClient) =>
  outcome(unary(workers, workers.registerWorker, { workerId: 'worker:tls-worker', backend: 'wasm', device: 'cpu', cores: 1, hostname: 'h', version: '0', threads: 1, pool: 'default' }, bearer(TOKEN)));
const list = (jobs: JobServiceClient) => outcome(unary(jobs, jobs.listJobs, { states: [], pageSize: 0, pageToken: '' }, bearer(TOKEN)));

beforeAll(async () => {
  tls = await startMtlsCoordinator(TOKEN);
});
afterAll(async () => {
  await tls?.close();
});

describe('gRPC over TLS with client certificates for workers', () => {
  it('refuses plaintext and clients that do not trust its CA at the handshake', async () => {
    const plaintext = await list(tls.client(JobServiceClient, grpc.credentials.createInsecure()));
    expect(plaintext).toMatchObject({ code: grpc.status.UNAVAILABLE });
    const systemRoots = await list(tls.client(JobServiceClient, grpc.credentials.createSsl()));
    expect(systemRoots).toMatchObject({ code: grpc.status.UNAVAILABLE, details: expect.stringMatching(/certificate/) });
  });

  it('serves JobService to a client that trusts the CA, with no client certificate', async () => {
    expect(await list(tls.client(JobServiceClient, grpc.credentials.createSsl(pem(tls.certs.caCert))))).toBe('OK');
  });

  it('serves WorkerService only to a worker whose certificate the CA signed', async () => {
    const noCertificate = await register(tls.client(WorkerServiceClient, grpc.credentials.createSsl(pem(tls.certs.caCert))));
    expect(noCertificate).toEqual({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('GRPC_TLS_CLIENT_CA') });
    const stranger = await register(tls.client(WorkerServiceClient, grpc.credentials.createSsl(pem(tls.certs.caCert), pem(tls.certs.strangerKey), pem(tls.certs.strangerCert))));
    expect(stranger).toEqual({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('GRPC_TLS_CLIENT_CA') });
    const worker = tls.client(WorkerServiceClient, grpc.credentials.createSsl(pem(tls.certs.caCert), pem(tls.certs.workerKey), pem(tls.certs.workerCert)));
    expect(await register(worker)).toBe('OK');
    // The certificate does not replace the token.
    const untokened = await outcome(unary(worker, worker.heartbeat, { workerId: 'worker:tls-worker', currentShard: '', shardsDone: 0 }));
    expect(untokened).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('METATRAIN_TOKEN') });
  });

  it('the CLI connects with METATRAIN_TLS_CA, and says what is wrong without it', async () => {
    const env = { METATRAIN_TOKEN: TOKEN };
    const noSuchCa = join(tls.cluster.dir, 'no-such-ca.pem');
    const [ok, plaintext, missing] = await Promise.all([
      runCli(['list', '--coordinator', tls.address, '--json'], { ...env, METATRAIN_TLS_CA: tls.certs.caCert }),
      runCli(['list', '--coordinator', tls.address], env),
      runCli(['list', '--coordinator', tls.address], { ...env, METATRAIN_TLS_CA: noSuchCa }),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([]);
    expect(plaintext.code).toBe(1);
    expect(plaintext.stderr.trim()).toMatch(new RegExp(`^error: cannot reach the coordinator at ${tls.address} \\(.*\\).*; if it serves TLS, set METATRAIN_TLS_CA to the CA certificate that signed its certificate$`));
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`error: METATRAIN_TLS_CA: cannot read ${JSON.stringify(noSuchCa)} (ENOENT)`);
  });
});
