import { grpc, type HeartbeatRequest, type RegisterWorkerRequest } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import { RegistrationError, WorkerClosedError } from '../errors';
import { Registration, type RegistrationClient } from './registration';

const identity: RegisterWorkerRequest = { workerId: 'w-1', backend: 'wasm', device: 'wasm (simd, 1 thread)', cores: 2, hostname: 'h', version: '0.1.0', threads: 1, pool: 'default' };
const status = { currentShard: 'job-r0-s1', shardsDone: 3 };
const rpcError = (code: grpc.status, details: string): Error => Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });

/** A coordinator in memory whose answers the test scripts. */
class FakeCoordinator implements RegistrationClient {
  readonly address = '127.0.0.1:1';
  registrations = 0;
  heartbeats: HeartbeatRequest[] = [];
  registerFailures: Error[] = [];
  known = true;
  quarantine = '';
  heartbeatError: Error | undefined;

  registerWorker(request: RegisterWorkerRequest) {
    const failure = this.registerFailures.shift();
    if (failure) return Promise.reject(failure);
    expect(request).toEqual(identity);
    this.registrations++;
    this.known = true;
    return Promise.resolve({ leaseMs: 1000, heartbeatIntervalMs: 10, quarantined: this.quarantine !== '', quarantineReason: this.quarantine });
  }

  heartbeat(request: HeartbeatRequest) {
    this.heartbeats.push(request);
    if (this.heartbeatError) return Promise.reject(this.heartbeatError);
    return Promise.resolve({ registered: this.known, leaseMs: 1000, quarantined: this.quarantine !== '', quarantineReason: this.quarantine });
  }
}

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
};

describe('Registration', () => {
  it('retries an unreachable coordinator with one log line per attempt, then heartbeats at its interval', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.registerFailures = [rpcError(grpc.status.UNAVAILABLE, 'No connection established'), rpcError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded')];
    const logs: string[] = [];
    const registration = await Registration.create({ client: coordinator, identity, status: () => status, log: (l) => logs.push(l), firstRetryMs: 5 });
    expect(logs).toEqual([
      'worker: waiting for the coordinator at 127.0.0.1:1: UNAVAILABLE: No connection established (retrying in 0.005 s)',
      'worker: waiting for the coordinator at 127.0.0.1:1: DEADLINE_EXCEEDED: Deadline exceeded (retrying in 0.01 s)',
    ]);
    expect(registration.heartbeatIntervalMs).toBe(10);
    await until(() => coordinator.heartbeats.length >= 2);
    expect(coordinator.heartbeats[0]).toEqual({ workerId: 'w-1', ...status });
    registration.close();
    const sent = coordinator.heartbeats.length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(coordinator.heartbeats.length).toBe(sent);
  });

  it('registers again when a heartbeat says the coordinator does not know the worker', async () => {
    const coordinator = new FakeCoordinator();
    const logs: string[] = [];
    const registration = await Registration.create({ client: coordinator, identity, status: () => status, log: (l) => logs.push(l) });
    coordinator.known = false;
    await registration.beat();
    expect(coordinator.registrations).toBe(2);
    expect(logs).toEqual(['worker: the coordinator at 127.0.0.1:1 does not know this worker (restarted?); registering again']);
    registration.close();
  });

  it('passes on whether the coordinator quarantines the worker, at registration and at every heartbeat', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.quarantine = '3 reports in a row were refused';
    const standings: unknown[] = [];
    const registration = await Registration.create({ client: coordinator, identity, status: () => status, log: () => undefined, onStanding: (s) => standings.push(s) });
    coordinator.quarantine = '';
    await registration.beat();
    coordinator.known = false;
    await registration.beat();
    expect(standings).toEqual([
      { quarantined: true, reason: '3 reports in a row were refused' },
      { quarantined: false, reason: '' },
      { quarantined: false, reason: '' },
    ]);
    registration.close();
  });

  it('logs a failing heartbeat once per outage and keeps going', async () => {
    const coordinator = new FakeCoordinator();
    const logs: string[] = [];
    const registration = await Registration.create({ client: coordinator, identity, status: () => status, log: (l) => logs.push(l) });
    coordinator.heartbeatError = rpcError(grpc.status.UNAVAILABLE, 'gone');
    await registration.beat();
    await registration.beat();
    coordinator.heartbeatError = undefined;
    await registration.beat();
    expect(logs).toEqual(['worker: heartbeat to 127.0.0.1:1 failed: UNAVAILABLE: gone (will keep trying every 0.01 s)', 'worker: the coordinator at 127.0.0.1:1 answers heartbeats again']);
    registration.close();
    registration.close();
  });

  it('gives up at once when the coordinator refuses the worker', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.registerFailures = [rpcError(grpc.status.UNAUTHENTICATED, 'bad token')];
    await expect(Registration.create({ client: coordinator, identity, status: () => status, log: () => undefined })).rejects.toThrow(
      new RegistrationError('the coordinator at 127.0.0.1:1 refused this worker: UNAUTHENTICATED: bad token'),
    );
  });

  it('stops waiting when aborted', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.registerFailures = Array.from({ length: 10 }, () => rpcError(grpc.status.UNAVAILABLE, 'down'));
    const abort = new AbortController();
    const creating = Registration.create({ client: coordinator, identity, status: () => status, log: () => abort.abort(), signal: abort.signal, firstRetryMs: 60_000 });
    await expect(creating).rejects.toThrow(WorkerClosedError);
  });
});
