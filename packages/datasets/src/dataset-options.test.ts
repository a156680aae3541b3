import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { compileDatasetOptions, datasetOptionsFromEnv, userCacheDir } from './dataset-options';

describe('dataset options', () => {
  it('puts the cache where XDG says, unless METATRAIN_CACHE_DIR says otherwise', () => {
    expect(userCacheDir({ HOME: '/home/ada' })).toBe('/home/ada/.cache/metatrain');
    expect(userCacheDir({ HOME: '/home/ada', XDG_CACHE_HOME: '/var/cache/ada' })).toBe('/var/cache/ada/metatrain');
    // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
    expect(userCacheDir({ HOME: '/home/ada', XDG_CACHE_HOME: 'cache' })).toBe('/home/ada/.cache/metatrain');
    expect(userCacheDir({ HOME: '/home/ada', XDG_CACHE_HOME: '/x', METATRAIN_CACHE_DIR: 'my-cache' })).toBe(resolve('my-cache'));
    expect(userCacheDir({})).toBe(join(homedir(), '.cache', 'metatrain'));
  });

  it('reads the data dir, the cache and the mirror from the environment; empty is unset', () => {
    expect(datasetOptionsFromEnv({ METATRAIN_DATA_DIR: '/data', METATRAIN_CACHE_DIR: '/c', METATRAIN_DATASET_MIRROR: 'http://mirror/' })).toEqual({ dataDir: '/data', cacheDir: '/c', mirror: 'http://mirror/' });
    expect(datasetOptionsFromEnv({ METATRAIN_DATA_DIR: '', HOME: '/h' })).toEqual({ dataDir: undefined, cacheDir: '/h/.cache/metatrain', mirror: undefined });
  });

  it('refuses a mirror that is not an http(s) URL, naming the variable', () => {
    expect(compileDatasetOptions({ mirror: 'https://mirror.example/data//' }).mirror).toBe('https://mirror.example/data');
    expect(() => compileDatasetOptions({ mirror: 'ftp://mirror' })).toThrow(new ConfigError('METATRAIN_DATASET_MIRROR', 'expected an http:// or https:// URL, got "ftp://mirror"'));
    expect(() => compileDatasetOptions({ mirror: 'mirror' })).toThrow(ConfigError);
  });
});
