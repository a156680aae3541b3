import { createHash, randomBytes } from 'node:crypto';

/** A logged-in browser: its CSRF token, and when it must log in again. */
export interface Session {
  /** Sent back by the page with every POST (header `x-csrf-token`, or form field `csrf`). */
  csrf: string;
  expiresAt: number;
}

/** Options of {@link SessionStore}. */
export interface SessionStoreOptions {
  /** How long a login lasts, in ms. @default 12 hours */
  ttlMs?: number;
  /** Sessions kept at most; the oldest goes first. @default 1000 */
  max?: number;
  now?: () => number;
}

/**
 * The dashboard's logins, in memory (a coordinator restart logs everyone out). The cookie
 * holds a random session id, never the token; the store keeps only the id's SHA-256, so
 * even a dump of this process's memory holds no cookie that would log anyone in.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 12 * 60 * 60 * 1000;
    this.max = options.max ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** How long a session lasts, in seconds (the cookie's Max-Age). */
  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  /** Opens a session; returns the id for the cookie and the session. */
  create(): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const session = { csrf: randomBytes(24).toString('base64url'), expiresAt: this.now() + this.ttlMs };
    this.sessions.set(hash(id), session);
    while (this.sessions.size > this.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    return { id, session };
  }

  /** The live session of cookie value `id`, if any (an expired one is dropped). */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || id === '') return undefined;
    const key = hash(id);
    const session = this.sessions.get(key);
    if (session && session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  /** Ends the session of cookie value `id` (logout); idempotent. */
  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(hash(id));
  }
}

const hash = (id: string): string => createHash('sha256').update(id).digest('base64url');
