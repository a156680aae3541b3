import { grpc } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import { describeRpcError, grpcCode, isGone, isTransient } from './rpc-errors';

const serviceError = (code: grpc.status, details: string): Error => Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata: new grpc.Metadata() });

describe('rpc errors', () => {
  it('tells transient codes from the ones that mean the shard is no longer wanted', () => {
    expect(isTransient(serviceError(grpc.status.UNAVAILABLE, 'down'))).toBe(true);
    expect(isTransient(serviceError(grpc.status.DEADLINE_EXCEEDED, 'slow'))).toBe(true);
    expect(isTransient(serviceError(grpc.status.NOT_FOUND, 'no job'))).toBe(false);
    expect(isGone(serviceError(grpc.status.NOT_FOUND, 'no job'))).toBe(true);
    expect(isGone(serviceError(grpc.status.FAILED_PRECONDITION, 'version 3 not held'))).toBe(true);
    expect(isGone(serviceError(grpc.status.INVALID_ARGUMENT, 'header.job_id'))).toBe(false);
  });

  it('ignores errors that are not grpc status errors', () => {
    const system = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(grpcCode(system)).toBeUndefined();
    expect(grpcCode('UNAVAILABLE')).toBeUndefined();
    expect(isTransient(new Error('x'))).toBe(false);
    expect(describeRpcError(system)).toBe('connect ECONNREFUSED');
  });

  it('describes an error by the code name and the server message', () => {
    expect(describeRpcError(serviceError(grpc.status.FAILED_PRECONDITION, 'job "a" does not hold parameter version 3'))).toBe('FAILED_PRECONDITION: job "a" does not hold parameter version 3');
    const refused = 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ';
    expect(describeRpcError(serviceError(grpc.status.UNAVAILABLE, refused))).toBe('UNAVAILABLE: No connection established: connect ECONNREFUSED 127.0.0.1:1');
  });
});
