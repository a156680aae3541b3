import { describe, expect, it } from 'vitest';
import { AdaptedCache, type AdaptedEntry } from './adapted-cache';

const entry = (model: string): AdaptedEntry => ({ model, adapted: { method: 'sgd', params: [] }, classNames: undefined });

describe('AdaptedCache', () => {
  it('forgets the least recently used entry beyond its capacity', () => {
    const cache = new AdaptedCache(2, 1000);
    const a = cache.add(entry('a'));
    const b = cache.add(entry('b'));
    expect(cache.get(a)?.model).toBe('a'); // a is now the most recent
    const c = cache.add(entry('c'));
    expect(cache.get(b)).toBeUndefined();
    expect(cache.get(a)?.model).toBe('a');
    expect(cache.get(c)?.model).toBe('c');
    expect(cache.size).toBe(2);
  });

  it('forgets an entry ttl after its last use', () => {
    let now = 0;
    const cache = new AdaptedCache(10, 100, () => now);
    const id = cache.add(entry('a'));
    now = 90;
    expect(cache.get(id)?.model).toBe('a');
    now = 180;
    expect(cache.get(id)?.model).toBe('a');
    now = 281;
    expect(cache.get(id)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
