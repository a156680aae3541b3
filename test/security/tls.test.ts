import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grpc, JobServiceClient, WorkerServiceClient } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Test-only certificates made with openssl, as docs/SECURITY.md shows.
import { makeTestCertificates, type TestCertificates } from '@metatrain/contract/testing';
import { bearer, outcome, unary } from '../support/grpc-calls';
import { type InProcessCoordinator, startInProcessCoordinator } from '../support/in-process-coordinator';
import { runCli } from '../support/run-cli';

// GRPC_TLS_CERT/KEY: the gRPC server speaks TLS only. GRPC_TLS_CLIENT_CA: WorkerService also
// needs a client certificate signed by that CA; JobService (the CLI) needs none. All over real
// sockets, with certificates this run generated.

const TOKEN = 'tls-test-token';
let certs: TestCertificates;
let cluster: InProcessCoordinator;
/** `localhost:port`: the certificate names localhost (TLS does not send an IP as the server name). */
let address: string;
const clients: grpc.Client[] = [];

const pem = (path: string) => readFileSync(path);

function client<C extends grpc.Client>(Client: new (address: string, credentials: grpc.ChannelCredentials) => C, credentials: grpc.ChannelCredentials): C {
  const c = new Client(address, credentials);
  clients.push(c);
  return c;
}

const register = (workers: WorkerServiceClient) =>
  outcome(unary(workers, workers.registerWorker, { workerId: 'tls-worker', backend: 'wasm', device: 'cpu', cores: 1, hostname: 'h', version: '0', threads: 1, pool: 'default' }, bearer(TOKEN)));
const list = (jobs: JobServiceClient) => outcome(unary(jobs, jobs.listJobs, { states: [], pageSize: 0, pageToken: '' }, bearer(TOKEN)));

beforeAll(async () => {
  certs = await makeTestCertificates();
  cluster = await startInProcessCoordinator({ token: TOKEN, tlsCertFile: certs.serverCert, tlsKeyFile: certs.serverKey, tlsClientCaFile: certs.caCert });
  address = `localhost:${cluster.coordinator.grpcAddress.split(':').at(-1)}`;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
  await certs?.close();
});

describe('gRPC over TLS with client certificates for workers', () => {
  it('refuses plaintext and clients that do not trust its CA at the handshake', async () => {
    const plaintext = await list(client(JobServiceClient, grpc.credentials.createInsecure()));
    expect(plaintext).toMatchObject({ code: grpc.status.UNAVAILABLE });
    const systemRoots = await list(client(JobServiceClient, grpc.credentials.createSsl()));
    expect(systemRoots).toMatchObject({ code: grpc.status.UNAVAILABLE, details: expect.stringMatching(/certificate/) });
  });

  it('serves JobService to a client that trusts the CA, with no client certificate', async () => {
    expect(await list(client(JobServiceClient, grpc.credentials.createSsl(pem(certs.caCert))))).toBe('OK');
  });

  it('serves WorkerService only to a worker whose certificate the CA signed', async () => {
    const noCertificate = await register(client(WorkerServiceClient, grpc.credentials.createSsl(pem(certs.caCert))));
    expect(noCertificate).toEqual({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('GRPC_TLS_CLIENT_CA') });
    const stranger = await register(client(WorkerServiceClient, grpc.credentials.createSsl(pem(certs.caCert), pem(certs.strangerKey), pem(certs.strangerCert))));
    expect(stranger).toEqual({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('GRPC_TLS_CLIENT_CA') });
    const worker = client(WorkerServiceClient, grpc.credentials.createSsl(pem(certs.caCert), pem(certs.workerKey), pem(certs.workerCert)));
    expect(await register(worker)).toBe('OK');
    // The certificate does not replace the token.
    const untokened = await outcome(unary(worker, worker.heartbeat, { workerId: 'tls-worker', currentShard: '', shardsDone: 0 }));
    expect(untokened).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('METATRAIN_TOKEN') });
  });

  it('the CLI connects with METATRAIN_TLS_CA, and says what is wrong without it', async () => {
    const env = { METATRAIN_TOKEN: TOKEN };
    const noSuchCa = join(cluster.dir, 'no-such-ca.pem');
    const [ok, plaintext, missing] = await Promise.all([
      runCli(['list', '--coordinator', address, '--json'], { ...env, METATRAIN_TLS_CA: certs.caCert }),
      runCli(['list', '--coordinator', address], env),
      runCli(['list', '--coordinator', address], { ...env, METATRAIN_TLS_CA: noSuchCa }),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([]);
    expect(plaintext.code).toBe(1);
    expect(plaintext.stderr.trim()).toMatch(new RegExp(`^error: cannot reach the coordinator at ${address} \\(.*\\).*; if it serves TLS, set METATRAIN_TLS_CA to the CA certificate that signed its certificate$`));
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`error: METATRAIN_TLS_CA: cannot read ${JSON.stringify(noSuchCa)} (ENOENT)`);
  });
});
