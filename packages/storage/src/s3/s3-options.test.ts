import { describe, expect, it } from 'vitest';
import { compileS3StoreOptions, parseS3Endpoint } from './s3-options';

const base = { endPoint: 'http://127.0.0.1:9000', accessKey: 'ak', secretKey: 'sk-secret', bucket: 'metatrain' };

describe('compileS3StoreOptions', () => {
  it('fills in the documented defaults', () => {
    const o = compileS3StoreOptions(base);
    expect(o).toMatchObject({ region: 'us-east-1', prefix: '', listPageSize: 1000, requestTimeoutMs: 10_000 });
    expect(o.retry.deadlineMs).toBe(30_000);
    expect(o.endPoint).toEqual({ host: '127.0.0.1', port: 9000, useSSL: false, url: 'http://127.0.0.1:9000' });
  });

  it('normalises the prefix so that it always ends with one slash', () => {
    expect(compileS3StoreOptions({ ...base, prefix: '/team/runs' }).prefix).toBe('team/runs/');
    expect(compileS3StoreOptions({ ...base, prefix: 'team/runs//' }).prefix).toBe('team/runs/');
  });

  it.each([
    [{ bucket: 'Bad_Bucket' }, 'bucket: invalid bucket name "Bad_Bucket"'],
    [{ bucket: '10.0.0.1' }, 'must not look like an IP address'],
    [{ secretKey: '' }, 'secretKey: required'],
    [{ listPageSize: 1001 }, 'listPageSize: must be an integer from 1 to 1000, got 1001'],
    [{ prefix: 'a//b' }, 'prefix: invalid prefix "a//b": empty path segment'],
    [{ endPoint: 'ftp://host' }, 'endPoint: unsupported scheme "ftp:"'],
  ])('refuses %j', (override, message) => {
    expect(() => compileS3StoreOptions({ ...base, ...override })).toThrow(message);
  });
});

describe('parseS3Endpoint', () => {
  it('takes the port from the scheme when none is given, and unwraps IPv6 hosts', () => {
    expect(parseS3Endpoint('https://s3.example.com', 'X')).toEqual({ host: 's3.example.com', port: 443, useSSL: true, url: 'https://s3.example.com' });
    expect(parseS3Endpoint('http://[::1]:9000/', 'X')).toEqual({ host: '::1', port: 9000, useSSL: false, url: 'http://[::1]:9000' });
  });
});
