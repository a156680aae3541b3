import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it('hides user and password, whatever they hold', () => {
    expect(redactUrl('redis://:s3cret@redis:6379/0')).toBe('redis://***@redis:6379/0');
    expect(redactUrl('rediss://default:pa@ss/w0rd@redis.example:6380')).toBe('rediss://***@redis.example:6380');
    expect(redactUrl('redis://user:p%40ss@10.0.0.1')).toBe('redis://***@10.0.0.1');
  });

  it('leaves a URL without credentials as it is', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
