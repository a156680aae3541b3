import { describe, expect, it } from 'vitest';
import { SessionStore } from './sessions';

describe('SessionStore', () => {
  it('finds a session by its cookie id until it expires, and forgets it on logout', () => {
    let now = 1_000;
    const store = new SessionStore({ ttlMs: 60_000, now: () => now });
    const { id, session } = store.create();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.get(id)).toBe(session);
    expect(store.get(`${id}x`)).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
    now += 60_000;
    expect(store.get(id)).toBeUndefined();
    const second = store.create();
    store.delete(second.id);
    expect(store.get(second.id)).toBeUndefined();
    expect(store.ttlSeconds).toBe(60);
  });

  it('gives each session its own CSRF token and keeps at most `max`, dropping the oldest', () => {
    const store = new SessionStore({ max: 2 });
    const [a, b, c] = [store.create(), store.create(), store.create()];
    expect(new Set([a.session.csrf, b.session.csrf, c.session.csrf]).size).toBe(3);
    expect(store.get(a.id)).toBeUndefined();
    expect(store.get(b.id)).toBe(b.session);
    expect(store.get(c.id)).toBe(c.session);
  });
});
