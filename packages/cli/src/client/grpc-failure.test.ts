import { grpc } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import { CliFailure } from '../cli-errors';
import { type CallContext, grpcFailure } from './grpc-failure';

const context: CallContext = { address: 'coord:50051', tokenSent: false, deadlineMs: 10_000 };
const fail = (code: grpc.status, details: string, ctx = context) => {
  const failure = grpcFailure({ code, details }, ctx);
  expect(failure).toBeInstanceOf(CliFailure);
  return { message: failure.message, exitCode: failure.exitCode };
};

describe('grpcFailure', () => {
  it('explains an unreachable coordinator with the cause, exit 1', () => {
    const details = 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:50051. Resolution note: ';
    expect(fail(grpc.status.UNAVAILABLE, details)).toEqual({
      message: 'cannot reach the coordinator at coord:50051 (connect ECONNREFUSED 127.0.0.1:50051); is it running? Set it with --coordinator host:port or COORDINATOR_ADDR',
      exitCode: 1,
    });
    expect(fail(grpc.status.UNAVAILABLE, '').message).toContain('(unavailable)');
  });

  it('hints at METATRAIN_TLS_CA when a plaintext channel is dropped rather than refused', () => {
    const dropped = 'No connection established. Last error: Failed to connect (2026-01-01T00:00:00.000Z). Resolution note: ';
    expect(fail(grpc.status.UNAVAILABLE, dropped, { ...context, tls: false }).message).toMatch(/; if it serves TLS, set METATRAIN_TLS_CA to the CA certificate that signed its certificate$/);
    expect(fail(grpc.status.UNAVAILABLE, dropped, { ...context, tls: true }).message).not.toContain('METATRAIN_TLS_CA');
    const refused = 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:50051. Resolution note: ';
    expect(fail(grpc.status.UNAVAILABLE, refused, { ...context, tls: false }).message).not.toContain('METATRAIN_TLS_CA');
  });

  it('passes NOT_FOUND and FAILED_PRECONDITION details without the job_id field, exit 1', () => {
    expect(fail(grpc.status.NOT_FOUND, 'job_id: no job "x"')).toEqual({ message: 'no job "x"', exitCode: 1 });
    expect(fail(grpc.status.FAILED_PRECONDITION, 'job_id: job a has no export yet (it is RUNNING)')).toEqual({ message: 'job a has no export yet (it is RUNNING)', exitCode: 1 });
  });

  it('passes INVALID_ARGUMENT details as they are (they name the field), exit 2', () => {
    expect(fail(grpc.status.INVALID_ARGUMENT, 'invalid spec: tasks.shots: must be positive')).toEqual({ message: 'invalid spec: tasks.shots: must be positive', exitCode: 2 });
  });

  it('points at METATRAIN_TOKEN when the coordinator refuses the caller', () => {
    expect(fail(grpc.status.UNAUTHENTICATED, 'missing bearer token').message).toBe(
      'the coordinator at coord:50051 refused the request (missing bearer token); set METATRAIN_TOKEN to the coordinator’s token',
    );
    expect(fail(grpc.status.UNAUTHENTICATED, 'bad token', { ...context, tokenSent: true }).message).toContain('check that METATRAIN_TOKEN matches');
  });

  it('says how long it waited on DEADLINE_EXCEEDED, and names other codes', () => {
    expect(fail(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded').message).toBe('the coordinator at coord:50051 did not answer within 10 s (Deadline exceeded)');
    expect(fail(grpc.status.INTERNAL, 'internal error: disk on fire')).toEqual({ message: 'the coordinator at coord:50051 failed: INTERNAL: internal error: disk on fire', exitCode: 1 });
    expect(grpcFailure({ message: 'weird' }, context).message).toBe('the coordinator at coord:50051 failed: error: weird');
  });
});
