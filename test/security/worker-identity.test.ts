import { readFileSync } from 'node:fs';
import { grpc, type ReportHeader, WorkerServiceClient } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, outcome, reportMessages, sendReport, unary } from '../support/grpc-calls';
import { type MtlsCoordinator, startMtlsCoordinator } from '../support/mtls-coordinator';

// With GRPC_TLS_CLIENT_CA, a worker id is bound to the client certificate: the certificate's
// identity (CN, else its first DNS or URI subjectAltName) or `<identity>:<name>`. Another
// client, even one whose certificate the same CA signed, cannot register, heartbeat or report
// under it, so it cannot get that worker quarantined. Real TLS sockets, certificates of the run.

const TOKEN = 'identity-test-token-7c1e';
let tls: MtlsCoordinator;

/** A WorkerService client presenting the certificate at `cert`/`key`. */
const workerClient = (cert: string, key: string) =>
  tls.client(WorkerServiceClient, grpc.credentials.createSsl(readFileSync(tls.certs.caCert), readFileSync(key), readFileSync(cert)));

const register = (client: WorkerServiceClient, workerId: string) =>
  outcome(unary(client, client.registerWorker, { workerId, backend: 'wasm', device: 'cpu', cores: 1, hostname: 'h', version: '0', threads: 1, pool: 'default' }, bearer(TOKEN)));
const heartbeat = (client: WorkerServiceClient, workerId: string) => unary(client, client.heartbeat, { workerId, currentShard: '', shardsDone: 0 }, bearer(TOKEN));
const refusedAs = (workerId: string, identity: string, field = 'worker_id') => ({
  code: grpc.status.PERMISSION_DENIED,
  details: `${field}: "${workerId}" is not bound to the client certificate's identity "${identity}": with mutual TLS a worker id is that identity or begins with "${identity}:"`,
});

beforeAll(async () => {
  tls = await startMtlsCoordinator(TOKEN, { quarantineAfter: 1 });
}, 60_000);
afterAll(async () => {
  await tls?.close();
});

describe('worker ids under mutual TLS', () => {
  it('accepts the certificate\'s identity and names below it', async () => {
    const worker = workerClient(tls.certs.workerCert, tls.certs.workerKey);
    expect(await register(worker, 'worker')).toBe('OK');
    expect(await register(worker, 'worker:pod-a')).toBe('OK');
    expect(await heartbeat(worker, 'worker:pod-a')).toMatchObject({ registered: true, quarantined: false });
  });

  it('refuses another certificate\'s ids, and ids that only start like them, PERMISSION_DENIED naming the field', async () => {
    const other = workerClient(tls.certs.otherWorkerCert, tls.certs.otherWorkerKey);
    expect(await register(other, 'worker:pod-a')).toEqual(refusedAs('worker:pod-a', 'worker-b'));
    expect(await register(other, 'worker')).toEqual(refusedAs('worker', 'worker-b'));
    expect(await register(other, 'worker-bx')).toEqual(refusedAs('worker-bx', 'worker-b'));
    expect(await outcome(heartbeat(other, 'worker:pod-a'))).toEqual(refusedAs('worker:pod-a', 'worker-b'));
    expect(await register(other, 'worker-b:pod-c')).toBe('OK');
  });

  it('refuses reports under another worker\'s id before reading them, so they cannot get it quarantined', async () => {
    const other = workerClient(tls.certs.otherWorkerCert, tls.certs.otherWorkerKey);
    // An unknown job would be NOT_FOUND: the id is checked first.
    const evalReport = { jobId: 'no-such-job', version: 0, firstBlock: 0, blockCount: 1, workerId: 'worker:pod-a', backend: 'wasm', taskMetrics: [], computeMs: 1 };
    expect(await outcome(unary(other, other.reportEval, evalReport, bearer(TOKEN)))).toEqual(refusedAs('worker:pod-a', 'worker-b'));
    const header: ReportHeader = { jobId: 'no-such-job', version: 0, firstBlock: 0, blockCount: 1, workerId: 'worker:pod-a', backend: 'wasm', taskMetrics: [], computeMs: 1 };
    const sum = [{ name: 'w', shape: [1], values: new Float32Array([Number.NaN]) }];
    expect(await outcome(sendReport(other, reportMessages(header, [sum]), bearer(TOKEN)))).toEqual(refusedAs('worker:pod-a', 'worker-b', 'header.worker_id'));
    // With QUARANTINE_AFTER=1, one refusal counted against it would have quarantined it.
    const worker = workerClient(tls.certs.workerCert, tls.certs.workerKey);
    expect(await heartbeat(worker, 'worker:pod-a')).toMatchObject({ registered: true, quarantined: false });
  });

  it('takes the first DNS subjectAltName of a certificate without a CN as its identity', async () => {
    const sanOnly = workerClient(tls.certs.sanOnlyCert, tls.certs.sanOnlyKey);
    expect(await register(sanOnly, 'san-worker.metatrain:pod-d')).toBe('OK');
    expect(await register(sanOnly, 'worker:pod-a')).toEqual(refusedAs('worker:pod-a', 'san-worker.metatrain'));
  });
});
