import { readFileSync } from 'node:fs';
import { refuseWeakSecrets } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeEnv, kubernetesSecret, makeSecrets } from '../../scripts/make-secrets';
import { INFRA } from './support/yaml-files';

type Secret = { metadata: { name: string }; stringData: Record<string, string> };
const template = parse(readFileSync(`${INFRA}/k8s/base/secret.yaml`, 'utf8')) as Secret;

describe('scripts/make-secrets.ts', () => {
  it('makes a Secret with the template\'s name and keys, whose values every process accepts', () => {
    const made = parse(kubernetesSecret(makeSecrets())) as Secret;
    expect(made.metadata.name).toBe(template.metadata.name);
    expect(Object.keys(made.stringData).sort()).toEqual(Object.keys(template.stringData).sort());
    const { REDIS_URL, REDIS_PASSWORD } = made.stringData;
    expect(REDIS_URL).toBe(`redis://:${REDIS_PASSWORD}@metatrain-redis:6379`);
    expect(REDIS_URL?.replace(REDIS_PASSWORD ?? '', '')).toBe(template.stringData.REDIS_URL?.replace(template.stringData.REDIS_PASSWORD ?? '', ''));
    expect(() => refuseWeakSecrets(made.stringData, { secrets: ['METATRAIN_TOKEN', 'S3_SECRET_KEY', 'REDIS_PASSWORD'], redisUrls: ['REDIS_URL'] })).not.toThrow();
    expect(() => refuseWeakSecrets(template.stringData, { secrets: ['METATRAIN_TOKEN', 'S3_SECRET_KEY', 'REDIS_PASSWORD'] })).toThrow();
  });

  it('makes different secrets on every run, 32 random bytes each', () => {
    const [a, b] = [makeSecrets(), makeSecrets()];
    for (const key of ['METATRAIN_TOKEN', 'S3_SECRET_KEY', 'REDIS_PASSWORD'] as const) {
      expect(a[key]).toMatch(/^[0-9a-f]{64}$/);
      expect(a[key]).not.toBe(b[key]);
    }
  });

  it('writes the compose file\'s variables as NAME=value lines', () => {
    const secrets = makeSecrets();
    const lines = composeEnv(secrets).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(Object.fromEntries(lines.map((l) => l.split('=') as [string, string]))).toEqual({
      METATRAIN_TOKEN: secrets.METATRAIN_TOKEN,
      MINIO_ROOT_USER: secrets.S3_ACCESS_KEY,
      MINIO_ROOT_PASSWORD: secrets.S3_SECRET_KEY,
      REDIS_PASSWORD: secrets.REDIS_PASSWORD,
    });
  });
});
