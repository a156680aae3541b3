import type { ParamSet } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { LruMap } from './lru-map';
import { ParameterCache } from './parameter-cache';

const params = (v: number): ParamSet => [{ name: 'w', shape: [1], values: new Float32Array([v]) }];

describe('ParameterCache', () => {
  it('keeps the newest versions of each job', () => {
    const cache = new ParameterCache({ versionsPerJob: 2 });
    cache.put('a', 0, params(0));
    cache.put('a', 1, params(1));
    cache.put('a', 2, params(2));
    expect(cache.versions('a')).toEqual([1, 2]);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('a', 2)?.[0]?.values[0]).toBe(2);
  });

  it('keeps an old version it is given (a coordinator resumed from an older checkpoint), beside the newest', () => {
    const cache = new ParameterCache({ versionsPerJob: 2 });
    cache.put('a', 5, params(5));
    cache.put('a', 6, params(6));
    cache.put('a', 3, params(3));
    expect(cache.versions('a')).toEqual([3, 6]);
    expect(cache.get('a', 3)?.[0]?.values[0]).toBe(3);
    cache.put('a', 4, params(4));
    expect(cache.versions('a')).toEqual([4, 6]);
  });

  it('forgets the least recently used job', () => {
    const cache = new ParameterCache({ jobs: 2 });
    cache.put('a', 0, params(0));
    cache.put('b', 0, params(0));
    cache.get('a', 0);
    cache.put('c', 0, params(0));
    expect(cache.jobs()).toEqual(['a', 'c']);
    expect(() => new ParameterCache({ versionsPerJob: 0 })).toThrow(RangeError);
  });
});

describe('LruMap', () => {
  it('evicts the least recently used entry and says which', () => {
    const evicted: string[] = [];
    const map = new LruMap<string, number>(2, (key) => evicted.push(key));
    map.set('x', 1);
    map.set('y', 2);
    expect(map.get('x')).toBe(1);
    map.set('z', 3);
    expect(evicted).toEqual(['y']);
    expect(map.keys()).toEqual(['x', 'z']);
    expect(map.get('y')).toBeUndefined();
  });
});
