import { ConfigError } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { compileShardQueueOptions } from './shard-queue-options';

const redisUrl = 'redis://:secret@127.0.0.1:6379';

describe('compileShardQueueOptions', () => {
  it('fills in the documented defaults', () => {
    expect(compileShardQueueOptions({ redisUrl })).toEqual({
      redisUrl,
      prefix: 'metatrain',
      queueName: 'shards',
      attempts: 3,
      backoffMs: 1000,
      keepCompleted: { ageSeconds: 3600, count: 1000 },
      keepFailed: { ageSeconds: 86_400, count: 1000 },
    });
  });

  it('names the option at fault, never echoing the URL', () => {
    expect(() => compileShardQueueOptions({ redisUrl: 'http://:secret@127.0.0.1' })).toThrow(new ConfigError('redisUrl', 'expected a redis:// or rediss:// URL'));
    expect(() => compileShardQueueOptions({ redisUrl, prefix: '' })).toThrow(new ConfigError('prefix', 'must not be empty'));
    expect(() => compileShardQueueOptions({ redisUrl, queueName: 'a:b' })).toThrow(new ConfigError('queueName', 'must be non-empty and contain no ":"'));
    expect(() => compileShardQueueOptions({ redisUrl, attempts: 0 })).toThrow(new ConfigError('attempts', 'must be a positive integer, got 0'));
    expect(() => compileShardQueueOptions({ redisUrl, backoffMs: -1 })).toThrow(new ConfigError('backoffMs', 'must be ≥ 0, got -1'));
    expect(() => compileShardQueueOptions({ redisUrl, keepFailed: { ageSeconds: 60, count: 1.5 } })).toThrow(new ConfigError('keepFailed.count', 'expected a non-negative integer, got 1.5'));
  });
});
