import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../errors';
import { RetryDeadlineError } from '@metatrain/core';
import { toStorageError } from './s3-failure';

const context = { operation: 'put', target: 'jobs/a/LATEST', bucket: 'metatrain', endpoint: 'http://127.0.0.1:9000', attempts: 1, secrets: ['s3cr3t-KEY'] };

describe('toStorageError', () => {
  it('names the operation, key, bucket and endpoint, and hints at credentials for AccessDenied', () => {
    const denied = Object.assign(new Error('Access Denied.'), { code: 'AccessDenied' });
    const err = toStorageError(denied, context);
    expect(err).toBeInstanceOf(StorageError);
    expect(err.message).toBe(
      'S3 put "jobs/a/LATEST" in bucket "metatrain" at http://127.0.0.1:9000 failed: AccessDenied: Access Denied. (check the access key and secret key)',
    );
    expect(err.details).toEqual({ operation: 'put', target: 'jobs/a/LATEST', code: 'AccessDenied', transient: false, attempts: 1 });
  });

  it('reports a transient failure that outlasted the deadline with its attempts', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
    const err = toStorageError(new RetryDeadlineError(refused, 'ECONNREFUSED', 12, 29_500), context);
    expect(err.message).toContain('failed: still failing (ECONNREFUSED) after 12 attempts in 29.5 s; last error: connect ECONNREFUSED');
    expect(err.details).toMatchObject({ code: 'ECONNREFUSED', transient: true, attempts: 12 });
  });

  it('scrubs the secret from the message and keeps no reference to the original error', () => {
    const leaky = Object.assign(new Error('bad signature for s3cr3t-KEY'), { code: 'SignatureDoesNotMatch', secret: 's3cr3t-KEY' });
    const err = toStorageError(leaky, context);
    expect(err.message).toContain('bad signature for [redacted]');
    expect(inspect(err, { depth: 10 })).not.toContain('s3cr3t-KEY');
  });
});
