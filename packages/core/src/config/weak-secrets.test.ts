import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../errors';
import { MAKE_A_SECRET, refuseWeakSecrets, weakSecretReason } from './weak-secrets';

const PLACEHOLDER = `is a placeholder or a well-known value, which anyone can guess; ${MAKE_A_SECRET}`;
const committedSecret = parse(readFileSync(new URL('../../../../infra/k8s/base/secret.yaml', import.meta.url), 'utf8')) as { stringData: Record<string, string> };

describe('weakSecretReason', () => {
  it('refuses every secret value committed in infra/k8s/base/secret.yaml', () => {
    const { METATRAIN_TOKEN, S3_SECRET_KEY, REDIS_PASSWORD } = committedSecret.stringData;
    for (const value of [METATRAIN_TOKEN, S3_SECRET_KEY, REDIS_PASSWORD]) expect(weakSecretReason(value ?? ''), value).toBeDefined();
  });

  it('refuses empty, blank and guessable values, in any case, and placeholders written the usual ways', () => {
    for (const value of ['', '  ', 'change-me', 'CHANGEME', ' secret ', 'password', 'metatrain-secret', 'replace-me', 'replace-with-your-token', '<token>', 'xxxxxxxx']) {
      expect(weakSecretReason(value), JSON.stringify(value)).toBeDefined();
    }
  });

  it('accepts a random secret and the tests\' own', () => {
    for (const value of ['3f9c1d0b7a6e4f2a9b8c7d6e5f4a3b2c', 's3cr3t-token-value', 't0ken', 'S3RVER']) expect(weakSecretReason(value), value).toBeUndefined();
  });
});

describe('refuseWeakSecrets', () => {
  const variables = { secrets: ['METATRAIN_TOKEN', 'S3_SECRET_KEY'], redisUrls: ['REDIS_URL'] };

  it('names the variable and says how to make a secret, never echoing the value', () => {
    expect(() => refuseWeakSecrets({ METATRAIN_TOKEN: 'replace-with-a-long-random-token' }, variables)).toThrow(new ConfigError('METATRAIN_TOKEN', PLACEHOLDER));
    expect(() => refuseWeakSecrets({ METATRAIN_TOKEN: 'a-good-one-0d41e7', S3_SECRET_KEY: '' }, variables)).toThrow(new ConfigError('S3_SECRET_KEY', `is set but empty; ${MAKE_A_SECRET}`));
    expect(() => refuseWeakSecrets({ METATRAIN_TOKEN: 'change-me' }, variables)).toThrow(new ConfigError('METATRAIN_TOKEN', PLACEHOLDER));
  });

  it('refuses a Redis URL whose password is a placeholder, percent-encoded or not', () => {
    const reason = `its password ${PLACEHOLDER}, and give the same to Redis (requirepass)`;
    expect(() => refuseWeakSecrets({ REDIS_URL: 'redis://:change-me@redis:6379' }, variables)).toThrow(new ConfigError('REDIS_URL', reason));
    expect(() => refuseWeakSecrets({ REDIS_URL: 'rediss://default:%63hangeme@redis:6379/0' }, variables)).toThrow(new ConfigError('REDIS_URL', reason));
  });

  it('leaves unset variables, Redis without a password and good secrets alone', () => {
    expect(() => refuseWeakSecrets({}, variables)).not.toThrow();
    expect(() => refuseWeakSecrets({ REDIS_URL: 'redis://127.0.0.1:6379', METATRAIN_TOKEN: 's3cr3t-token-value' }, variables)).not.toThrow();
    expect(() => refuseWeakSecrets({ REDIS_URL: 'redis://:8d0e7f6a5b4c3d2e1f0a@redis:6379' }, variables)).not.toThrow();
    expect(() => refuseWeakSecrets({ REDIS_URL: 'not a url' }, variables)).not.toThrow(); // REDIS_URL's own check says what is wrong
  });
});
