import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { parseConfig, parseEnv } from './parse-config';
import { gotInput, integerText, redisUrlSetting } from './settings';

const port = z.number({ error: gotInput('expected a port') }).int().min(0).max(65535);

describe('parseConfig', () => {
  const schema = z.object({ port: port.default(80), limits: z.object({ max: z.number({ error: gotInput('expected a number') }).default(1) }).default({ max: 1 }) });

  it('fills in defaults', () => {
    expect(parseConfig(schema, {})).toEqual({ port: 80, limits: { max: 1 } });
  });

  it('names the option of the first issue, by its path', () => {
    expect(() => parseConfig(schema, { port: 70000 })).toThrow(new ConfigError('port', 'expected a port, got 70000'));
    expect(() => parseConfig(schema, { limits: { max: Number.NaN } })).toThrow(new ConfigError('limits.max', 'expected a number, got NaN'));
    expect(() => parseConfig(schema, { port: -1, limits: { max: Number.NaN } })).toThrow(new ConfigError('port', 'expected a port, got -1'));
  });
});

describe('parseEnv', () => {
  const names = { port: 'PORT', redisUrl: 'REDIS_URL', name: 'NAME' } as const;
  const fields = { port: integerText('expected a non-negative integer').pipe(port), redisUrl: redisUrlSetting, name: z.string() };

  it('reads each variable once, as text, leaving unset and empty ones out', () => {
    expect(parseEnv({ PORT: '8080', REDIS_URL: '', OTHER: 'x' }, names, fields)).toEqual({ port: 8080 });
    expect(parseEnv({ NAME: ' spaced ' }, names, fields)).toEqual({ name: ' spaced ' });
  });

  it('names the variable, quoting the text when it is not a number and the number when it is out of range', () => {
    expect(() => parseEnv({ PORT: '5s' }, names, fields)).toThrow(new ConfigError('PORT', 'expected a non-negative integer, got "5s"'));
    expect(() => parseEnv({ PORT: '65536' }, names, fields)).toThrow(new ConfigError('PORT', 'expected a port, got 65536'));
  });

  it('never echoes a Redis URL', () => {
    expect(() => parseEnv({ REDIS_URL: 'http://user:secret@redis' }, names, fields)).toThrow(new ConfigError('REDIS_URL', 'expected a redis:// or rediss:// URL'));
    expect(() => parseEnv({ REDIS_URL: 'redis://a b' }, names, fields)).toThrow(ConfigError);
  });
});
